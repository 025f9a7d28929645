using System.Diagnostics.Metrics;

namespace Notify.Delivery.Egress;

/// <summary>
/// <c>notify.egress.refused</c>: connections to caller-supplied URLs that Notify refused, by
/// <c>reason</c> (an <see cref="AddressKind"/> such as <c>loopback</c> or <c>metadata</c>, or
/// <c>redirect</c> for a 3xx that was not followed). A rise means a tenant is probing the
/// internal network, or a misconfigured endpoint.
/// </summary>
public static class EgressMetrics
{
    public const string RefusedName = "notify.egress.refused";

    private static readonly Meter Meter = new("Notify");

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>(RefusedName, "{connection}",
        "Connections to caller-supplied URLs refused by the egress guard, by reason.");

    public static void RecordRefused(string reason) => Refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
