using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Notify.ServiceDefaults;

/// <summary>The one ActivitySource and Meter of Notify. Names are a contract with dashboards.</summary>
public static class NotifyTelemetry
{
    public const string Name = "Notify";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);
}
