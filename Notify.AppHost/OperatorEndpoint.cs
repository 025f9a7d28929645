using Notify.Hosting.Model;

namespace Notify.AppHost;

/// <summary>
/// Every Notify process serves health and metrics only on its management listener
/// (<c>Notify:Management:Urls</c>, see Notify.ServiceDefaults), so the app model gives each one a
/// loopback endpoint named <see cref="Name"/> for it and probes readiness there.
/// </summary>
public static class OperatorEndpoint
{
    public const string Name = "management";

    public const string UrlsVariable = "Notify__Management__Urls";

    /// <summary>The management endpoint, and the readiness probe on it.</summary>
    public static ProjectResource WithManagementEndpoint(this ProjectResource project) => project
        .WithHttpEndpoint(Name, UrlsVariable)
        .WithHttpHealthCheck("/health", Name);
}
