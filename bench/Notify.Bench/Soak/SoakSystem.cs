using System.Text.Json;

namespace Notify.Bench.Soak;

/// <summary>One Notify process to watch: its resource name, replica pid and metrics URL (management endpoint).</summary>
internal sealed record WatchedProcess(string Name, int Pid, Uri? Metrics);

/// <summary>
/// What the soak needs of the running system beyond the ingress, all from the AppHost's
/// <c>.notify/endpoints.json</c>: every process's pid and metrics URL, the database (for outbox
/// lag and status counts) and the sandbox (for faults, and as the webhook receiver).
/// </summary>
internal sealed record SoakSystem(IReadOnlyList<WatchedProcess> Processes, string DatabaseConnectionString, Uri Sandbox)
{
    public static SoakSystem Read(string endpointsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(endpointsPath));
        var root = document.RootElement;
        var processes = new List<WatchedProcess>();
        Uri? sandbox = null;
        foreach (var resource in root.GetProperty("resources").EnumerateObject())
        {
            var metrics = resource.Value.TryGetProperty("metrics", out var m) && Uri.TryCreate(m.GetString(), UriKind.Absolute, out var uri) ? uri : null;
            if (resource.Value.TryGetProperty("replicas", out var replicas))
            {
                var i = 0;
                foreach (var replica in replicas.EnumerateArray())
                {
                    var replicaMetrics = replica.TryGetProperty("metrics", out var rm) && Uri.TryCreate(rm.GetString(), UriKind.Absolute, out var ru) ? ru : null;
                    processes.Add(new WatchedProcess($"{resource.Name}#{i++}", replica.GetProperty("pid").GetInt32(), replicaMetrics));
                }
            }
            else
            {
                processes.Add(new WatchedProcess(resource.Name, resource.Value.GetProperty("pids")[0].GetInt32(), metrics));
            }
            if (resource.Name == "sandbox")
            {
                sandbox = new Uri(resource.Value.GetProperty("endpoints").GetProperty("http").GetString()!);
            }
        }
        var database = root.GetProperty("connectionStrings").GetProperty("notifydb").GetString()
            ?? throw new InvalidDataException($"{endpointsPath} has no connectionStrings.notifydb");
        return new SoakSystem(processes, database, sandbox ?? throw new InvalidDataException($"{endpointsPath} lists no sandbox"));
    }
}
