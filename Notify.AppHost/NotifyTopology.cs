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
    ProjectResource Sandbox)
{
    public string EndpointsFilePath => Path.Combine(StateDirectory, "endpoints.json");
}
