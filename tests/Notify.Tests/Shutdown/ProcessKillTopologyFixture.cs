using System.Net.Http.Json;
using System.Text.Json;
using Notify.AppHost;
using Notify.Tests.Topology;
using Npgsql;

namespace Notify.Tests.Shutdown;

/// <summary>
/// The topology the SIGTERM/SIGKILL tests stop and start processes of: leases of 6 s reaped
/// every second (a killed process's deliveries are back within seconds, not the default
/// minute), retries 200 ms apart, provider rates high enough that a few hundred messages are
/// limited only by the sandbox's answer delay, and small batches so a batch's last delivery
/// starts with most of its lease left.
/// </summary>
public sealed class ProcessKillTopologyFixture : TopologyFixture
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    public static readonly TimeSpan ReapInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a channel process may take to stop after SIGTERM before the harness kills it:
    /// the host's own shutdown timeout (30 s by default in .NET), which bounds the worker's
    /// <c>Notify:Delivery:ShutdownTimeout</c> (25 s) and Kestrel's drain.
    /// </summary>
    public static readonly TimeSpan HostShutdownTimeout = TimeSpan.FromSeconds(30);

    private NpgsqlDataSource? _database;

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__Lease"] = Lease.ToString("c"),
            ["Notify__Delivery__CallTimeout"] = "00:00:03",
            ["Notify__Delivery__ReapInterval"] = ReapInterval.ToString("c"),
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__0"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__1"] = "00:00:00.500",
            ["Notify__Delivery__RetryDelays__2"] = "00:00:01",
            ["Notify__Delivery__BatchSize"] = "16",
            ["Notify__Delivery__MaxConcurrency"] = "16",
            // SMS defaults to 1/s per sender, email to 10/s: the sandbox's delay is the limit here.
            ["Notify__Delivery__RatePerSecond"] = "1000",
            ["Notify__Delivery__RateBurst"] = "50",
        },
    };

    public NpgsqlDataSource Database => _database ??= NpgsqlDataSource.Create(App.GetConnectionString("notifydb"));

    public Uri Sandbox => App.GetEndpoint("sandbox", "http");

    /// <summary>The worker id a channel process claims with: <c>{machine}-{pid}</c>, the engine's default.</summary>
    public static string WorkerId(int pid) => $"{Environment.MachineName}-{pid}";

    /// <summary>
    /// Every request to <paramref name="provider"/> is handled (an accepted message is recorded)
    /// and answered only after <paramref name="delay"/>: calls are in flight whenever a signal lands.
    /// </summary>
    public async Task SlowDownAsync(string provider, TimeSpan delay)
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        var response = await http.PostAsJsonAsync("/sandbox/faults", new { provider, timeoutPercent = 100, timeoutSeconds = delay.TotalSeconds });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task ClearFaultsAsync(string provider)
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        (await http.DeleteAsync($"/sandbox/faults?provider={provider}")).EnsureSuccessStatusCode();
    }

    /// <summary>How many times <paramref name="provider"/> accepted each delivery id it has seen.</summary>
    public async Task<IReadOnlyDictionary<Guid, int>> ArrivalsAsync(string provider)
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        var answer = await http.GetFromJsonAsync<JsonElement>($"/sandbox/arrivals?provider={provider}&minArrivals=1");
        var arrivals = new Dictionary<Guid, int>();
        foreach (var arrival in answer.GetProperty("arrivals").EnumerateArray())
        {
            if (Guid.TryParse(arrival.GetProperty("deliveryId").GetString(), out var id))
            {
                arrivals[id] = arrival.GetProperty("arrivals").GetInt32();
            }
        }
        return arrivals;
    }

    /// <summary>
    /// How many times any provider of <paramref name="channel"/> accepted each delivery id: a
    /// delivery whose first provider failed goes to the next (email: SendGrid, then SMTP).
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, int>> ChannelArrivalsAsync(string channel)
    {
        var total = new Dictionary<Guid, int>();
        foreach (var provider in Notify.Outbox.ProviderNames.For(channel))
        {
            foreach (var (id, count) in await ArrivalsAsync(provider))
            {
                total[id] = total.GetValueOrDefault(id) + count;
            }
        }
        return total;
    }

    /// <summary>
    /// The deliveries among <paramref name="ids"/> with a provider call that timed out: the
    /// provider may have taken such a call, so its retry may be a duplicate whatever the signal.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> TimedOutAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var command = Database.CreateCommand(
            "SELECT DISTINCT delivery_id FROM notify.delivery_attempts WHERE delivery_id = ANY($1) AND outcome = 'timeout'");
        command.Parameters.Add(new() { Value = ids.ToArray() });
        var timedOut = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            timedOut.Add(reader.GetGuid(0));
        }
        return timedOut;
    }

    /// <summary>Every provider call of <paramref name="ids"/>, counted by "provider outcome error", for failure messages.</summary>
    public async Task<string> AttemptSummaryAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var command = Database.CreateCommand("""
            SELECT provider || ' ' || outcome || ' ' || coalesce(error_code, '') AS kind, count(*)
            FROM notify.delivery_attempts WHERE delivery_id = ANY($1) GROUP BY 1 ORDER BY 2 DESC
            """);
        command.Parameters.Add(new() { Value = ids.ToArray() });
        var parts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            parts.Add($"{reader.GetInt64(1)} × {reader.GetString(0).Trim()}");
        }
        return parts.Count == 0 ? "no provider calls" : string.Join(", ", parts);
    }

    /// <summary>Status, lock holder and attempt count of each of <paramref name="ids"/>.</summary>
    public async Task<IReadOnlyDictionary<Guid, DeliveryRow>> DeliveriesAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var command = Database.CreateCommand(
            "SELECT id, status, locked_by, attempt_count FROM notify.deliveries WHERE id = ANY($1)");
        command.Parameters.Add(new() { Value = ids.ToArray() });
        var rows = new Dictionary<Guid, DeliveryRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = new DeliveryRow(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3));
        }
        return rows;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

/// <summary>A delivery as the database holds it.</summary>
public sealed record DeliveryRow(string Status, string? LockedBy, int AttemptCount);
