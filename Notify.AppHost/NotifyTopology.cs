using Notify.Hosting.Model;

namespace Notify.AppHost;

/// <summary>What <see cref="NotifyAppModel.Configure"/> declared, for the console, endpoints.json and tests.</summary>
public sealed record NotifyTopology(
    string StateDirectory,
    string DevelopmentApiKey,
    string DevelopmentApiKeyPath,
    PostgresDatabaseResource NotifyDb,
    RedisResource Redis,
    ProjectResource Ingress,
    IReadOnlyList<ProjectResource> Channels,
    ProjectResource Sandbox,
    PrometheusResource? Prometheus = null,
    DevelopmentAdminSecrets? Admin = null)
{
    public string EndpointsFilePath => Path.Combine(StateDirectory, "endpoints.json");

    /// <summary>Every Notify process, in the order the console and endpoints.json list them.</summary>
    public IEnumerable<ProjectResource> Projects => Channels.Prepend(Ingress).Append(Sandbox);
}
