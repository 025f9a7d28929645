using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Topology;

/// <summary>
/// Issue 6's outage drills on the whole topology, SMS under load: Redis SIGKILLed and started
/// again, and Twilio down for a minute. What a user would notice: delivery goes on (or
/// waits without burning attempts), an operator can see what is happening, and afterwards
/// every message arrived at the provider exactly once.
/// </summary>
public sealed class OutageTests(OutageTopologyFixture topology) : IClassFixture<OutageTopologyFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Eventually = TimeSpan.FromMinutes(3);
    private const string FallbackLine = "Redis is unreachable";
    private readonly HttpClient _http = new();
    private OperatorProbe Probe => new(topology.App, _http);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // Leave the topology as the next test expects it, whatever this one did.
        await _http.DeleteAsync(Sandbox("/sandbox/faults?provider=twilio"));
        var redis = topology.App.GetRedisServer("redis");
        if (!redis.IsRunning)
        {
            await redis.RestartAsync();
        }
        _http.Dispose();
    }

    [Fact]
    public async Task With_redis_killed_mid_load_delivery_goes_on_under_the_fallback_limit_says_so_once_and_sends_everything_once()
    {
        const int Count = 300;
        var ids = await SendSmsAsync(Count, "+1415561", "Redis outage");
        await EventuallyAsync(() => ArrivalsAsync(ids), a => a.Count >= 30);

        var redis = topology.App.GetRedisServer("redis");
        var killedAt = DateTimeOffset.UtcNow;
        await redis.KillAsync();
        // The SMS process notices, keeps sending under its own share, and shows it.
        var (_, detail) = await EventuallyAsync(() => DetailAsync("sms"), d => RedisFallback(d.Body));
        var metrics = await MetricsAsync("sms");
        var deliveredBefore = (await ArrivalsAsync(ids)).Count;
        await Task.Delay(TimeSpan.FromSeconds(10) - (DateTimeOffset.UtcNow - killedAt));
        var stillDown = await DetailAsync("sms");
        var restartedAt = DateTimeOffset.UtcNow;
        await redis.RestartAsync();

        Assert.Equal("Unhealthy", detail.GetProperty("checks").GetProperty("StackExchange.Redis").GetProperty("status").GetString());
        Assert.Matches(Series("notify_ratelimit_fallback", "channel=\"sms\"") + " 1$", metrics);
        Assert.True(RedisFallback(stillDown.Body), stillDown.Body.ToString());
        var whileDown = (await ArrivalsAsync(ids)).Values.Count(at => at > killedAt && at < restartedAt);
        Assert.True(whileDown > 0, "Nothing was delivered while Redis was down.");
        Assert.True((await ArrivalsAsync(ids)).Count > deliveredBefore, "Delivery stopped once Redis was down.");
        var limit = OutageTopologyFixture.RatePerSecond * (restartedAt - killedAt).TotalSeconds + OutageTopologyFixture.RateBurst + 1;
        Assert.True(whileDown <= limit, $"{whileDown} sends in {(restartedAt - killedAt).TotalSeconds:0.0} s while Redis was down: over the fallback limit ({limit:0}).");

        // Afterwards: back on the shared limit, every message once, none stuck.
        await EventuallyAsync(() => DetailAsync("sms"), d => !RedisFallback(d.Body));
        await EventuallyAsync(() => ArrivalsAsync(ids), a => a.Count == Count);
        await AssertEachArrivedOnceAndIsSentAsync(ids);

        // The fallback was said once per process that fell back, and nothing stormed the logs.
        var outageLines = topology.Logs.Where(l => l.Timestamp >= killedAt && l.Source != "redis").ToList();
        var bySource = outageLines.GroupBy(l => (l.Source, l.Replica)).ToList();
        Assert.Equal(1, outageLines.Count(l => l.Source == "sms" && l.Text.Contains(FallbackLine, StringComparison.Ordinal)));
        Assert.All(bySource, g => Assert.True(g.Count(l => l.Text.Contains(FallbackLine, StringComparison.Ordinal)) <= 1, string.Join("\n", g)));
        // A log entry is two console lines (category, then message): ten lines are five entries,
        // where a line per failing check per probe made dozens.
        var redisLines = outageLines.Where(l => l.Text.Contains("redis", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.All(bySource, g => Assert.True(
            g.Count(l => l.Text.Contains("redis", StringComparison.OrdinalIgnoreCase)) <= 10,
            $"{g.Key.Source} wrote about Redis {g.Count(l => l.Text.Contains("redis", StringComparison.OrdinalIgnoreCase))} times:\n" + string.Join("\n", redisLines.Where(l => l.Source == g.Key.Source).Take(30))));
        Assert.DoesNotContain(outageLines, l => l.Text.TrimStart().StartsWith("fail:", StringComparison.Ordinal) || l.Text.TrimStart().StartsWith("crit:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_minute_long_twilio_outage_opens_the_circuit_within_five_failures_burns_nothing_while_open_and_recovery_delivers_everything_once()
    {
        using var load = new CancellationTokenSource();
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        var steady = Task.Run(async () =>
        {
            for (var i = 0; !load.IsCancellationRequested; i++)
            {
                foreach (var id in await SendSmsAsync(1, $"+1415562{i:0000}", "Provider outage", first: 0))
                {
                    ids.Add(id);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
            }
        });
        await EventuallyAsync(() => ArrivalsAsync([.. ids]), a => a.Count >= 5);

        var outageStart = DateTimeOffset.UtcNow;
        var outageEnd = outageStart + TimeSpan.FromSeconds(60);
        await SetFaultsAsync(new { provider = "twilio", outageUntil = outageEnd });
        // "open" without a probe time is a circuit whose break is not set yet (Polly reports the
        // state before its on-opened callback runs) or has already ended: wait for both.
        var (_, opened) = await EventuallyAsync(() => DetailAsync("sms"),
            d => Twilio(d.Body) is var twilio && twilio.GetProperty("circuit").GetString() == "open"
                 && twilio.TryGetProperty("probeAt", out var probeAt) && probeAt.ValueKind == JsonValueKind.String);
        var openedAt = new DateTimeOffset(Twilio(opened).GetProperty("probeAt").GetDateTime().ToUniversalTime()) - OutageTopologyFixture.CircuitBreak;
        var beforeOpen = await AttemptListAsync([.. ids], outageStart - TimeSpan.FromSeconds(30), openedAt);

        // The detailed view, looked at through the outage: never a closed circuit.
        var samples = new List<string>();
        while (DateTimeOffset.UtcNow < outageEnd - TimeSpan.FromSeconds(1))
        {
            samples.Add(Twilio((await DetailAsync("sms")).Body).GetProperty("circuit").GetString()!);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var attemptsWhileOpen = (await AttemptListAsync([.. ids], openedAt, outageEnd)).Count;
        await Task.Delay(TimeSpan.FromSeconds(5));
        await load.CancelAsync();
        await steady;

        // "Five failures in a row" in the order the calls ended: a success that ended after the
        // first failure starts the streak again. Calls overlap, so a call that started before
        // the circuit opened may fail after it did; it was already under way, not burned by
        // an open circuit, and is not counted against the breaker.
        var lastSuccess = beforeOpen.Where(a => a.Outcome == "sent" && a.EndedAt < openedAt).Select(a => a.EndedAt).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        var streak = beforeOpen.Where(a => a.Outcome is "retryable" or "timeout" or "credentials" && a.EndedAt > lastSuccess).ToList();
        var attemptsSeen = string.Join("\n", beforeOpen.Select(a => $"{a.StartedAt:HH:mm:ss.fff}+{(a.EndedAt - a.StartedAt).TotalMilliseconds:0}ms {a.Outcome}"));
        // The call that opened it is timed after the circuit opened; its duration is whole
        // milliseconds, so it may appear to end up to 1 ms sooner.
        Assert.True(streak.Count(a => a.EndedAt < openedAt) <= OutageTopologyFixture.CircuitFailures,
            $"The circuit opened at {openedAt:HH:mm:ss.fff}, after more than {OutageTopologyFixture.CircuitFailures} failures in a row:\n{attemptsSeen}");
        Assert.True(streak.Count >= OutageTopologyFixture.CircuitFailures,
            $"The circuit opened at {openedAt:HH:mm:ss.fff}, before {OutageTopologyFixture.CircuitFailures} failures in a row:\n{attemptsSeen}");
        Assert.True(Twilio(opened).GetProperty("blocking").GetBoolean());
        Assert.Equal("Degraded", opened.GetProperty("status").GetString());
        Assert.DoesNotContain("closed", samples);
        // Only the probes, one per break, may reach the provider while the circuit is open.
        var probes = (int)Math.Ceiling((outageEnd - openedAt) / OutageTopologyFixture.CircuitBreak);
        Assert.True(attemptsWhileOpen <= probes, $"{attemptsWhileOpen} attempts while the circuit was open; at most {probes} probes expected.");

        var all = ids.ToList();
        await EventuallyAsync(() => ArrivalsAsync(all), a => a.Count == all.Count);
        await AssertEachArrivedOnceAndIsSentAsync(all);
        var (_, after) = await EventuallyAsync(() => DetailAsync("sms"), d => Twilio(d.Body).GetProperty("circuit").GetString() == "closed");
        Assert.True(after.GetProperty("channel").GetProperty("claiming").GetBoolean());
    }

    private async Task AssertEachArrivedOnceAndIsSentAsync(IReadOnlyCollection<string> ids)
    {
        var messages = await _http.GetFromJsonAsync<JsonElement>(Sandbox("/sandbox/messages?provider=twilio"));
        var mine = messages.GetProperty("messages").EnumerateArray()
            .Where(m => ids.Contains(m.GetProperty("deliveryId").GetString()!)).ToList();
        Assert.Equal(ids.Count, mine.Count);
        Assert.All(mine, m => Assert.Equal(1, m.GetProperty("arrivals").GetInt32()));

        await using var database = NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        await using var command = database.CreateCommand(
            "SELECT status, count(*) FROM notify.deliveries WHERE id = ANY(@ids) GROUP BY status");
        command.Parameters.AddWithValue("ids", ids.Select(Guid.Parse).ToArray());
        var statuses = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses[reader.GetString(0)] = reader.GetInt64(1);
        }
        Assert.Equal(new Dictionary<string, long> { ["SENT"] = ids.Count }, statuses);
    }

    private sealed record AttemptSeen(DateTimeOffset StartedAt, DateTimeOffset EndedAt, string Outcome);

    /// <summary>The provider calls for <paramref name="ids"/> that started in [from, to), in the order they started.</summary>
    private async Task<List<AttemptSeen>> AttemptListAsync(IReadOnlyCollection<string> ids, DateTimeOffset from, DateTimeOffset to)
    {
        await using var database = NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        await using var command = database.CreateCommand(
            "SELECT started_at, duration_ms, outcome FROM notify.delivery_attempts WHERE delivery_id = ANY(@ids) AND started_at >= @from AND started_at < @to ORDER BY started_at");
        command.Parameters.AddWithValue("ids", ids.Select(Guid.Parse).ToArray());
        command.Parameters.AddWithValue("from", from.UtcDateTime);
        command.Parameters.AddWithValue("to", to.UtcDateTime);
        var attempts = new List<AttemptSeen>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var started = new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero);
            attempts.Add(new AttemptSeen(started, started.AddMilliseconds(reader.GetInt32(1)), reader.GetString(2)));
        }
        return attempts;
    }

    /// <summary>Sends <paramref name="count"/> SMS, a few at a time, each to a number of its own; returns the delivery ids.</summary>
    private async Task<IReadOnlyList<string>> SendSmsAsync(int count, string prefix, string body, int first = 0)
    {
        using var gate = new SemaphoreSlim(8);
        var sends = Enumerable.Range(first, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var request = new SendRequest
                {
                    IdempotencyKey = Requests.NewKey(),
                    Recipient = new Recipient { Phone = count == 1 ? prefix : $"{prefix}{i:0000}" },
                    Channels = { Channel.Sms },
                    Content = new Content { Sms = new SmsContent { Body = body } },
                };
                return (await topology.Client.SendAsync(request, topology.DevelopmentKey)).Deliveries[0].DeliveryId;
            }
            finally
            {
                gate.Release();
            }
        });
        return await Task.WhenAll(sends);
    }

    /// <summary>When each of <paramref name="ids"/> the sandbox has seen first arrived at Twilio.</summary>
    private async Task<Dictionary<string, DateTimeOffset>> ArrivalsAsync(IReadOnlyCollection<string> ids)
    {
        var wanted = ids.ToHashSet();
        var messages = await _http.GetFromJsonAsync<JsonElement>(Sandbox("/sandbox/messages?provider=twilio"));
        var seen = new Dictionary<string, DateTimeOffset>();
        foreach (var message in messages.GetProperty("messages").EnumerateArray())
        {
            var id = message.GetProperty("deliveryId").GetString();
            if (id is not null && wanted.Contains(id) && !seen.ContainsKey(id))
            {
                seen[id] = message.GetProperty("receivedAt").GetDateTimeOffset();
            }
        }
        return seen;
    }

    private static bool RedisFallback(JsonElement detail)
        => detail.GetProperty("channel").GetProperty("rateLimit").GetProperty("redisFallback").GetBoolean();

    private static JsonElement Twilio(JsonElement detail)
        => detail.GetProperty("channel").GetProperty("providers").EnumerateArray().Single(p => p.GetProperty("provider").GetString() == "twilio");

    /// <summary>A regex for one series of <paramref name="name"/> carrying every label given, in any order.</summary>
    private static string Series(string name, params string[] labels)
        => "(?m)^" + Regex.Escape(name) + @"\{" + string.Concat(labels.Select(l => $"(?=[^}}]*{Regex.Escape(l)})")) + @"[^}]*\}";

    private Task<string> MetricsAsync(string resource) => Probe.MetricsAsync(resource);

    private Task<(System.Net.HttpStatusCode Status, JsonElement Body)> DetailAsync(string resource) => Probe.DetailAsync(resource);

    private static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition)
        => OperatorProbe.EventuallyAsync(read, condition, Eventually, TimeSpan.FromMilliseconds(200));

    private Uri Sandbox(string path) => new(topology.App.GetEndpoint("sandbox", "http"), path);

    private async Task SetFaultsAsync(object faults)
    {
        var response = await _http.PostAsJsonAsync(Sandbox("/sandbox/faults"), faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
