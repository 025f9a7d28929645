using System.Net.Http.Json;
using System.Text.Json;
using Notify.Cli.Connection;

namespace Notify.Cli.Drill;

/// <summary>One running replica of a channel process: its pid and the worker id it claims as (<c>locked_by</c>).</summary>
public sealed record DrillReplica(string Channel, int Replica, int Pid, string WorkerId, Uri HealthDetail)
{
    public string Label => $"{Channel}#{Replica}";
}

/// <summary>A channel's engine settings, as its replicas report them on <c>/health/detail</c>.</summary>
public sealed record ChannelSettings(TimeSpan Lease, TimeSpan ReapInterval, TimeSpan CallTimeout, double RatePerSecond)
{
    /// <summary>
    /// How long a killed replica's deliveries may stay out of reach: its last claim's lease runs
    /// out at most <see cref="Lease"/> after the kill, and a survivor's reaper looks every
    /// <see cref="ReapInterval"/>.
    /// </summary>
    public TimeSpan RecoveryBound => Lease + ReapInterval;
}

/// <summary>
/// Everything the drill talks to: the ingress (tenant API), the sandbox's control API, the
/// database (read directly for evidence, as the runbook's psql queries do) and the channel
/// replicas it may kill. Built from a local AppHost's <c>endpoints.json</c>
/// (<see cref="FromEndpointsAsync"/>) or by a test from its own topology (<see cref="DiscoverAsync"/>).
/// </summary>
public sealed record DrillTarget(
    Uri Ingress,
    string ApiKey,
    Uri Sandbox,
    string ConnectionString,
    IReadOnlyDictionary<string, IReadOnlyList<DrillReplica>> Replicas,
    IReadOnlyDictionary<string, ChannelSettings> Settings)
{
    /// <summary>How to start a topology the drill can run against.</summary>
    public const string StartHint = "scripts/run.sh --replicas email=2,whatsapp=2";

    /// <summary>Reads a local AppHost's endpoints.json, then asks each drill channel's replicas who they are.</summary>
    public static Task<DrillTarget> FromEndpointsAsync(NotifyEndpoints endpoints, HttpClient http, CancellationToken cancellationToken)
    {
        if (endpoints.Document is not { } document)
        {
            throw new CliException(ExitCodes.Usage,
                $"notifyctl drill needs a local AppHost's endpoints.json (database, sandbox, replica pids): start {StartHint}, or pass --endpoints FILE.");
        }
        var ingress = endpoints.RequireIngress();
        var apiKey = endpoints.ApiKey ?? throw new CliException(ExitCodes.Usage,
            "No tenant API key: pass --api-key or set NOTIFY_API_KEY (a local AppHost's development key is in .notify/endpoints.json).");
        var sandbox = document.Path("resources", "sandbox", "endpoints", "http")
            ?? throw new CliException(ExitCodes.Usage, $"{endpoints.File} names no sandbox (resources.sandbox.endpoints.http): the drill needs the provider sandbox.");
        var connectionString = document.Path("connectionStrings", "notifydb")
            ?? throw new CliException(ExitCodes.Usage, $"{endpoints.File} has no connectionStrings.notifydb.");
        var replicas = DrillPlan.Channels.ToDictionary(c => c, c => (IReadOnlyList<(int Pid, Uri HealthDetail)>)ReplicasIn(document, c), StringComparer.Ordinal);
        return DiscoverAsync(ingress, apiKey, new Uri(sandbox), connectionString, replicas, http, cancellationToken);
    }

    /// <summary>
    /// Checks there are two replicas of each drill channel (exit 2 saying how to start them
    /// otherwise) and reads each replica's worker id and its channel's settings from its
    /// <c>/health/detail</c>, so the pid the drill kills is the worker whose leases it follows.
    /// </summary>
    public static async Task<DrillTarget> DiscoverAsync(
        Uri ingress, string apiKey, Uri sandbox, string connectionString,
        IReadOnlyDictionary<string, IReadOnlyList<(int Pid, Uri HealthDetail)>> replicas,
        HttpClient http, CancellationToken cancellationToken)
    {
        var missing = DrillPlan.Channels.Where(c => replicas.GetValueOrDefault(c)?.Count is not >= 2).ToList();
        if (missing.Count > 0)
        {
            var shown = string.Join(", ", DrillPlan.Channels.Select(c => $"{c} ×{replicas.GetValueOrDefault(c)?.Count ?? 0}"));
            throw new CliException(ExitCodes.Usage,
                $"The drill kills one of two replicas of email and whatsapp, but the topology runs {shown}. "
                + $"Stop the AppHost (Ctrl-C) and start it with: {StartHint}");
        }

        var found = new Dictionary<string, IReadOnlyList<DrillReplica>>(StringComparer.Ordinal);
        var settings = new Dictionary<string, ChannelSettings>(StringComparer.Ordinal);
        foreach (var channel in DrillPlan.Channels)
        {
            var list = new List<DrillReplica>();
            foreach (var (replica, index) in replicas[channel].Select((r, i) => (r, i)))
            {
                var (workerId, channelSettings) = await ProbeAsync(channel, index, replica.Pid, replica.HealthDetail, http, cancellationToken);
                list.Add(new DrillReplica(channel, index, replica.Pid, workerId, replica.HealthDetail));
                settings.TryAdd(channel, channelSettings);
            }
            found[channel] = list;
        }
        return new DrillTarget(ingress, apiKey, sandbox, connectionString, found, settings);
    }

    private static List<(int Pid, Uri HealthDetail)> ReplicasIn(JsonElement document, string channel)
    {
        if (!document.TryGetProperty("resources", out var resources) || !resources.TryGetProperty(channel, out var resource))
        {
            return [];
        }
        if (resource.TryGetProperty("replicas", out var replicas) && replicas.ValueKind == JsonValueKind.Array)
        {
            return [.. replicas.EnumerateArray().Select(r => (r.GetProperty("pid").GetInt32(), new Uri(r.GetProperty("healthDetail").GetString()!)))];
        }
        return resource.TryGetProperty("pids", out var pids) && pids.GetArrayLength() == 1 && resource.Path("healthDetail") is { } url
            ? [(pids[0].GetInt32(), new Uri(url))]
            : [];
    }

    private static async Task<(string WorkerId, ChannelSettings Settings)> ProbeAsync(
        string channel, int index, int pid, Uri healthDetail, HttpClient http, CancellationToken cancellationToken)
    {
        JsonElement detail;
        try
        {
            using var response = await http.GetAsync(healthDetail, cancellationToken);
            detail = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Usage,
                $"{channel}#{index} (pid {pid}) does not answer on {healthDetail} ({e.Message}); an earlier drill may have killed it. "
                + $"Restart the AppHost: {StartHint}");
        }
        if (!detail.TryGetProperty("channel", out var view) || view.Path("workerId") is not { } workerId
            || !view.TryGetProperty("leases", out var leases) || !view.TryGetProperty("rateLimit", out var rate))
        {
            throw new CliException(ExitCodes.Usage,
                $"{healthDetail} shows no channel worker id and leases: {channel}#{index} runs an older build. Rebuild (dotnet build Notify.sln) and restart the AppHost.");
        }
        // The engine's default worker id is {machine}-{pid}: if it does not end in this pid, the
        // pid in endpoints.json is not the process answering there (a stale file).
        if (!workerId.EndsWith("-" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.Usage,
                $"{channel}#{index}: endpoints.json says pid {pid}, but the worker on {healthDetail} is {workerId}. The endpoints file is stale (restart the AppHost: {StartHint}), or Notify:Delivery:WorkerId is set: the drill needs the default {{machine}}-{{pid}}.");
        }
        return (workerId, new ChannelSettings(
            TimeSpan.FromSeconds(leases.GetProperty("leaseSeconds").GetDouble()),
            TimeSpan.FromSeconds(leases.GetProperty("reapIntervalSeconds").GetDouble()),
            TimeSpan.FromSeconds(leases.GetProperty("callTimeoutSeconds").GetDouble()),
            rate.GetProperty("perSecond").GetDouble()));
    }
}
