using System.Collections.Immutable;
using Notify.Hosting.Model;
using Notify.Hosting.Orchestration;
using Notify.Hosting.Servers;

namespace Notify.Hosting;

public sealed partial class LocalApp
{
    private async Task StartServerAsync(ILocalResource resource, CancellationTokenSource failFast)
    {
        try
        {
            switch (resource)
            {
                case PostgresServerResource postgres:
                    Status($"Starting {postgres.Name} ({postgres.DataDirectory})…");
                    var pg = await PostgresServer.StartAsync(new PostgresServerOptions
                    {
                        DataDirectory = postgres.DataDirectory,
                        Port = postgres.Port,
                        Persistent = postgres.Persistent,
                        Durable = postgres.Durable,
                        Name = postgres.Name,
                        OnLog = _options.OnLog,
                        StartTimeout = _options.WaitTimeout,
                    }, failFast.Token);
                    _postgres[postgres.Name] = pg;
                    _state.Record(postgres.Name, new StateFile.Entry(postgres.Name, pg.Pid, pg.DataDirectory, IsPostgres: true));
                    foreach (var database in postgres.Databases)
                    {
                        await pg.CreateDatabaseAsync(database.DatabaseName, failFast.Token);
                        await pg.WaitUntilReadyAsync(database.DatabaseName, _options.WaitTimeout, failFast.Token);
                    }
                    Status($"{postgres.Name} is healthy on 127.0.0.1:{pg.Port}.");
                    break;
                case RedisResource redis:
                    Status($"Starting {redis.Name}…");
                    var server = await RedisServer.StartAsync(new RedisServerOptions
                    {
                        Directory = redis.Directory,
                        Port = redis.Port,
                        Name = redis.Name,
                        OnLog = _options.OnLog,
                        StartTimeout = _options.WaitTimeout,
                    }, failFast.Token);
                    _redis[redis.Name] = server;
                    _state.Record(redis.Name, new StateFile.Entry(redis.Name, server.Pid, $"redis-server {server.ConnectionString}", IsPostgres: false));
                    Status($"{redis.Name} is healthy on {server.ConnectionString}.");
                    break;
            }
        }
        catch
        {
            await failFast.CancelAsync();
            throw;
        }
    }

    /// <summary>Fixes every replica's ports and environment up front, so references can name them.</summary>
    private void PlanProjects()
    {
        var used = new HashSet<int>();
        int NextPort()
        {
            int port;
            do
            {
                port = Processes.FreePort.Next();
            }
            while (!used.Add(port));
            return port;
        }

        var endpoints = Projects.ToDictionary(p => p, p => Enumerable.Range(0, p.Replicas)
            .Select(_ => (IReadOnlyDictionary<string, Uri>)p.Endpoints.ToDictionary(
                e => e.Name, e => new Uri($"{e.Scheme}://127.0.0.1:{NextPort()}")))
            .ToList());

        foreach (var project in Projects)
        {
            var dll = ResolveDll(project);
            _processes[project.Name] = [.. endpoints[project].Select((replicaEndpoints, replica) =>
            {
                var env = ProjectEnvironment.Build(project, replica, replicaEndpoints, ConnectionStringOf, p => endpoints[p], _options.OtlpEndpoint, _options.OtlpProtocol);
                var process = new ResourceProcess(project, replica, dll, replicaEndpoints, env, _options.StopTimeout, _options.OnLog);
                process.Started += p => _state.Record($"{p.ResourceName}#{p.Replica}", new StateFile.Entry(p.ResourceName, p.Pid, p.Signature, IsPostgres: false));
                process.ExitedUnexpectedly += p => _options.OnProcessExited?.Invoke(p);
                return process;
            })];
        }
    }

    private Task ReadyTask(ProjectResource project, Dictionary<ProjectResource, Task> ready, CancellationTokenSource failFast)
    {
        if (!ready.TryGetValue(project, out var task))
        {
            var dependencies = project.WaitsFor.OfType<ProjectResource>().Select(d => ReadyTask(d, ready, failFast)).ToArray();
            task = StartProjectAsync(project, dependencies, failFast);
            ready[project] = task;
        }
        return task;
    }

    private async Task StartProjectAsync(ProjectResource project, Task[] dependencies, CancellationTokenSource failFast)
    {
        try
        {
            await Task.WhenAll(dependencies).WaitAsync(failFast.Token);
            Status($"Starting {project.Name}{(project.Replicas > 1 ? $" ×{project.Replicas}" : "")}…");
            await Task.WhenAll(_processes[project.Name].Select(p => p.StartAsync(_options.WaitTimeout, failFast.Token)));
            Status($"{project.Name} is healthy.");
        }
        catch
        {
            await failFast.CancelAsync();
            throw;
        }
    }

    private async Task StopCoreAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        await StopPrometheusAsync();
        foreach (var level in Projects.GroupBy(DependencyDepth).OrderByDescending(g => g.Key))
        {
            await Task.WhenAll(level.SelectMany(p => _processes.GetValueOrDefault(p.Name) ?? []).Select(p => p.TerminateAsync()));
        }
        await Task.WhenAll(_redis.Values.Select(r => r.DisposeAsync().AsTask())
            .Concat(_postgres.Values.Select(p => p.DisposeAsync().AsTask())));
        _redis.Clear();
        _postgres.Clear();
        _state.Delete();
    }

    /// <summary>
    /// 0 for a project that waits on no project; dependents sit deeper and stop first. References
    /// may be mutual (the sandbox posts receipts to the channels that send through it): a path
    /// does not go back to a project already on it.
    /// </summary>
    private static int DependencyDepth(ProjectResource project) => DependencyDepth(project, [project]);

    private static int DependencyDepth(ProjectResource project, ImmutableHashSet<ProjectResource> path) =>
        project.WaitsFor.Concat(project.References).OfType<ProjectResource>()
            .Where(d => !path.Contains(d))
            .Select(d => DependencyDepth(d, path.Add(d)) + 1)
            .DefaultIfEmpty(0)
            .Max();

    private string ResolveDll(ProjectResource project)
    {
        var output = Path.Combine(project.ProjectDirectory, "bin", _options.Configuration);
        var preferred = Path.Combine(output, "net10.0", project.ProjectName + ".dll");
        if (File.Exists(preferred) || !Directory.Exists(output))
        {
            return preferred;
        }
        return Directory.EnumerateFiles(output, project.ProjectName + ".dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault() ?? preferred;
    }
}
