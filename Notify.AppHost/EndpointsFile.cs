using System.Text.Json;
using System.Text.Json.Nodes;
using Notify.Hosting;
using Notify.Hosting.Processes;

namespace Notify.AppHost;

/// <summary>
/// <c>.notify/endpoints.json</c>: where everything listens, for tests and tools. Written once all
/// resources are healthy, deleted on a clean stop; 0600 because it holds the dev key and DB password.
/// </summary>
public static class EndpointsFile
{
    public static async Task WriteAsync(LocalApp app, NotifyTopology topology)
    {
        var resources = new JsonObject();
        foreach (var project in topology.Projects)
        {
            var replicas = app.GetProcesses(project.Name);
            var entry = new JsonObject
            {
                ["pids"] = new JsonArray([.. replicas.Select(p => JsonValue.Create(p.Pid))]),
                ["endpoints"] = Endpoints(replicas[0]),
                ["metrics"] = TelemetryLinks.Metrics(replicas[0]).ToString(),
                ["healthDetail"] = TelemetryLinks.HealthDetail(replicas[0]).ToString(),
            };
            if (replicas.Count > 1)
            {
                entry["replicas"] = new JsonArray([.. replicas.Select(p => new JsonObject
                {
                    ["pid"] = p.Pid,
                    ["endpoints"] = Endpoints(p),
                    ["metrics"] = TelemetryLinks.Metrics(p).ToString(),
                    ["healthDetail"] = TelemetryLinks.HealthDetail(p).ToString(),
                })]);
            }
            resources[project.Name] = entry;
        }

        var document = new JsonObject
        {
            ["startedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
            ["developmentApiKey"] = topology.DevelopmentApiKey,
            ["connectionStrings"] = new JsonObject
            {
                [topology.NotifyDb.Name] = app.GetConnectionString(topology.NotifyDb.Name),
                [topology.Redis.Name] = app.GetConnectionString(topology.Redis.Name),
            },
            ["resources"] = resources,
            // notifyctl's admin credentials: a development admin token (re-minted at every start)
            // and the replay signing secret; `http` is where the HTTP JSON admin API answers (curl).
            ["admin"] = topology.Admin is { } admin ? new JsonObject
            {
                ["token"] = admin.Token,
                ["replayHmacSecret"] = admin.ReplayHmacSecret,
                ["http"] = app.GetProcesses(topology.Ingress.Name)[0].Endpoints.TryGetValue("http", out var http)
                    ? http.ToString().TrimEnd('/')
                    : null,
            } : null,
            // Where telemetry can be seen: null when no local Prometheus runs / nothing is exported.
            ["telemetry"] = new JsonObject
            {
                ["prometheus"] = TelemetryLinks.Prometheus(app, topology)?.ToString(),
                ["otlpEndpoint"] = app.Options.OtlpEndpoint,
            },
        };

        // Write then rename, so a reader never sees half a file.
        var temporary = topology.EndpointsFilePath + ".tmp";
        OwnerOnly.WriteAllText(temporary, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, topology.EndpointsFilePath, overwrite: true);
        await Task.CompletedTask;
    }

    public static void Delete(NotifyTopology topology) => File.Delete(topology.EndpointsFilePath);

    private static JsonObject Endpoints(Notify.Hosting.Orchestration.ResourceProcess process) =>
        new([.. process.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => KeyValuePair.Create(e.Key, (JsonNode?)JsonValue.Create(e.Value.ToString().TrimEnd('/'))))]);
}
