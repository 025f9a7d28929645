using Notify.Hosting.Model;

namespace Notify.Hosting;

/// <summary>Collects the resources of a local app (Aspire: <c>IDistributedApplicationBuilder</c>).</summary>
public sealed class LocalAppBuilder(LocalAppOptions options)
{
    private readonly List<ILocalResource> _resources = [];

    public LocalAppOptions Options { get; } = options;
    public IReadOnlyList<ILocalResource> Resources => _resources;

    public PostgresServerResource AddPostgres(string name) =>
        Add(new PostgresServerResource(name, Path.Combine(Options.StateDirectory, name)));

    public RedisResource AddRedis(string name) =>
        Add(new RedisResource(name, Path.Combine(Options.StateDirectory, name)));

    /// <summary>
    /// A local Prometheus scraping every project's metrics, started after the projects are
    /// healthy, and only if the <c>prometheus</c> binary is installed.
    /// </summary>
    public PrometheusResource AddPrometheus(string name) =>
        Add(new PrometheusResource(name, Path.Combine(Options.StateDirectory, name)));

    /// <summary>A project by path; a relative path is resolved against <see cref="LocalAppOptions.AppHostDirectory"/>.</summary>
    public ProjectResource AddProject(string name, string projectPath) =>
        Add(new ProjectResource(name, Path.GetFullPath(projectPath, Options.AppHostDirectory)));

    public LocalApp Build() => new(Options, _resources);

    private T Add<T>(T resource) where T : ILocalResource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"A resource named '{resource.Name}' already exists.", nameof(resource));
        }
        _resources.Add(resource);
        return resource;
    }
}
