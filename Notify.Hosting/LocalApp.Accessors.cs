using Notify.Hosting.Model;
using Notify.Hosting.Orchestration;
using Notify.Hosting.Servers;

namespace Notify.Hosting;

/// <summary>What tests and the AppHost read from a running app.</summary>
public sealed partial class LocalApp
{
    public Uri GetEndpoint(string resourceName, string endpointName = "http", int replica = 0) =>
        GetProcess(resourceName, replica).Endpoints.TryGetValue(endpointName, out var uri)
            ? uri
            : throw new KeyNotFoundException($"'{resourceName}' has no endpoint '{endpointName}'.");

    /// <summary>The connection string of a database, a Redis, or a PostgreSQL server (its 'postgres' database).</summary>
    public string GetConnectionString(string name) =>
        ConnectionStringOf(FindResource(name));

    public ResourceProcess GetProcess(string resourceName, int replica = 0)
    {
        var replicas = GetProcesses(resourceName);
        return replica >= 0 && replica < replicas.Count
            ? replicas[replica]
            : throw new ArgumentOutOfRangeException(nameof(replica), $"'{resourceName}' has {replicas.Count} replica(s).");
    }

    public IReadOnlyList<ResourceProcess> GetProcesses(string resourceName) =>
        _processes.TryGetValue(resourceName, out var replicas)
            ? replicas
            : throw new KeyNotFoundException($"No project named '{resourceName}' is running.");

    public PostgresServer GetPostgresServer(string name) =>
        _postgres.TryGetValue(name, out var server) ? server : throw new KeyNotFoundException($"No PostgreSQL server named '{name}' is running.");

    public RedisServer GetRedisServer(string name) =>
        _redis.TryGetValue(name, out var server) ? server : throw new KeyNotFoundException($"No Redis named '{name}' is running.");

    /// <summary>Every resource and replica with its state, for the console table.</summary>
    public IReadOnlyList<ResourceSnapshot> Describe()
    {
        var rows = new List<ResourceSnapshot>();
        foreach (var resource in _resources)
        {
            switch (resource)
            {
                case PostgresServerResource pg when _postgres.TryGetValue(pg.Name, out var server):
                    rows.Add(new(pg.Name, "postgres", 0, server.IsRunning ? "Running" : "Stopped", server.Pid,
                        [$"tcp://127.0.0.1:{server.Port}", .. pg.Databases.Select(d => $"db {d.DatabaseName}")], server.IsRunning ? "Healthy" : "-"));
                    break;
                case RedisResource redis when _redis.TryGetValue(redis.Name, out var server):
                    rows.Add(new(redis.Name, "redis", 0, server.IsRunning ? "Running" : "Stopped", server.Pid,
                        [$"tcp://{server.ConnectionString}"], server.IsRunning ? "Healthy" : "-"));
                    break;
                case PrometheusResource prometheus:
                    rows.Add(_prometheus.TryGetValue(prometheus.Name, out var scraper)
                        ? new(prometheus.Name, "prometheus", 0, scraper.IsRunning ? "Running" : "Stopped", scraper.Pid,
                            [scraper.Url.ToString()], scraper.IsRunning ? "Healthy" : "-")
                        : new(prometheus.Name, "prometheus", 0, PrometheusServer.FindBinary() is null ? "Not installed" : "Not started", 0, [], "-"));
                    break;
                case ProjectResource project when _processes.TryGetValue(project.Name, out var replicas):
                    rows.AddRange(replicas.Select(p => new ResourceSnapshot(project.Name, "project", p.Replica,
                        p.IsRunning ? "Running" : p.ExitCode is { } code ? $"Exited ({ResourceProcess.DescribeExit(code)})" : "NotStarted",
                        p.IsRunning ? p.Pid : p.LastPid,
                        [.. p.Endpoints.Select(e => $"{e.Key}: {e.Value}")],
                        project.HealthCheckPath is null ? "-" : p.IsHealthy ? "Healthy" : "Unhealthy")));
                    break;
            }
        }
        return rows;
    }

    private ILocalResource FindResource(string name) =>
        _resources.FirstOrDefault(r => r.Name == name)
        ?? _resources.OfType<PostgresServerResource>().SelectMany(s => s.Databases).FirstOrDefault(d => d.Name == name) as ILocalResource
        ?? throw new KeyNotFoundException($"No resource named '{name}'.");

    private string ConnectionStringOf(ILocalResource resource) => resource switch
    {
        PostgresDatabaseResource db => GetPostgresServer(db.Server.Name).ConnectionString(db.DatabaseName),
        PostgresServerResource pg => GetPostgresServer(pg.Name).ConnectionString("postgres"),
        RedisResource redis => GetRedisServer(redis.Name).ConnectionString,
        _ => throw new ArgumentException($"'{resource.Name}' has no connection string.", nameof(resource)),
    };
}
