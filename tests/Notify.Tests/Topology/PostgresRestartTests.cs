using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology with a quick poll (so a worker that did not back off would storm its log)
/// and the sandbox's receipts off (a delivery ends SENT, and only the send path is under test).
/// </summary>
public sealed class PostgresRestartTopologyFixture : TopologyFixture
{
    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__RetryDelays__0"] = "00:00:00.200",
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
            ["Notify__Delivery__CallTimeout"] = "00:00:05",
            ["Notify__Delivery__Lease"] = "00:00:15",
            // Twilio's default of one message a second would make a few hundred take minutes.
            ["Notify__Delivery__RatePerSecond"] = "500",
            ["Notify__Delivery__RateBurst"] = "500",
        },
        SandboxEnvironment = new Dictionary<string, string>
        {
            ["Sandbox__Receipts__Enabled"] = "false",
        },
    };
}

/// <summary>
/// Issue 6 item 1: PostgreSQL stopped (fast shutdown) under a load of SMS sends and started
/// again ~10 s later. Callers behave as the API asks: on UNAVAILABLE they retry with the same
/// idempotency key.
/// </summary>
public sealed class PostgresRestartTests(PostgresRestartTopologyFixture topology) : IClassFixture<PostgresRestartTopologyFixture>
{
    private const int Callers = 6;

    /// <summary>"Quickly": a call the database cannot serve is answered well within this.</summary>
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(6);

    private sealed record Call(StatusCode Status, TimeSpan Took, bool WhileDown);

    [Fact]
    public async Task Sends_get_unavailable_fast_while_postgres_is_down_and_everything_accepted_is_delivered_once_after_it_returns()
    {
        var postgres = topology.App.GetPostgresServer("postgres");
        var sms = topology.App.GetProcess("sms");
        var ingress = topology.App.GetProcess("ingress");
        var smsPid = sms.Pid;
        var ingressPid = ingress.Pid;
        var logsBefore = topology.Logs.Count;

        var calls = new ConcurrentBag<Call>();
        var accepted = new ConcurrentDictionary<string, string>(); // notification id → delivery id
        var down = 0;
        using var stopLoad = new CancellationTokenSource();
        var callerNumber = 0;

        async Task CallerAsync()
        {
            var caller = Interlocked.Increment(ref callerNumber);
            for (var n = 0; !stopLoad.IsCancellationRequested; n++)
            {
                var request = new SendRequest
                {
                    IdempotencyKey = Requests.NewKey(),
                    Recipient = new Recipient { Phone = $"+1415555{caller}{n % 1000:D3}" },
                    Channels = { Channel.Sms },
                    Content = new Content { Sms = new SmsContent { Body = "Your code is 123456" } },
                };
                await Task.Delay(100); // a few hundred sends in all, not thousands
                // Retried with the same key until it is accepted, as the UNAVAILABLE message asks.
                while (true)
                {
                    var whileDown = Volatile.Read(ref down) == 1;
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        var sent = await topology.Client.SendAsync(request, topology.DevelopmentKey, DateTime.UtcNow.AddSeconds(30));
                        calls.Add(new Call(StatusCode.OK, watch.Elapsed, whileDown));
                        var deliveryId = Assert.Single(sent.Deliveries).DeliveryId;
                        Assert.Equal(deliveryId, accepted.GetOrAdd(sent.NotificationId, deliveryId));
                        break;
                    }
                    catch (RpcException e)
                    {
                        calls.Add(new Call(e.StatusCode, watch.Elapsed, whileDown));
                        if (e.StatusCode != StatusCode.Unavailable)
                        {
                            return; // not retryable: the assertions below report it
                        }
                        await Task.Delay(200);
                    }
                }
            }
        }

        var load = Enumerable.Range(0, Callers).Select(_ => Task.Run(CallerAsync)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Volatile.Write(ref down, 1);
        await postgres.StopAsync();
        var stoppedAt = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(10));
        await postgres.StartAgainAsync();
        var restartedAfter = DateTime.UtcNow - stoppedAt;
        Volatile.Write(ref down, 0);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopLoad.CancelAsync();
        try
        {
            await Task.WhenAll(load).WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TimeoutException)
        {
            Assert.Fail("The callers did not finish after the restart. Calls: "
                + string.Join(", ", calls.GroupBy(c => (c.Status, c.WhileDown)).Select(g => $"{g.Key} ×{g.Count()} (max {g.Max(c => c.Took.TotalSeconds):0.0} s)"))
                + "\n" + string.Join("\n", topology.Logs.Skip(logsBefore).Where(l => l.Source == "ingress").TakeLast(30)));
        }

        // While the database was down the ingress said so, quickly, and nothing else.
        var failed = calls.Where(c => c.Status != StatusCode.OK).ToList();
        Assert.Contains(calls, c => c.WhileDown && c.Status == StatusCode.Unavailable);
        Assert.All(failed, c => Assert.Equal(StatusCode.Unavailable, c.Status));
        Assert.All(failed, c => Assert.True(c.Took < NoHang, $"An UNAVAILABLE took {c.Took.TotalSeconds:0.0} s."));
        Assert.True(accepted.Count >= 100, $"Only {accepted.Count} sends were accepted.");

        // Every OK is a commit: each accepted notification and its delivery are in the database.
        await using var dataSource = NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        var ids = accepted.Keys.Select(Guid.Parse).ToArray();
        await using (var stored = dataSource.CreateCommand(
            "SELECT count(*) FROM notify.notifications n JOIN notify.deliveries d ON d.notification_id = n.id WHERE n.id = ANY(@ids) AND d.channel = 'sms'"))
        {
            stored.Parameters.AddWithValue("ids", ids);
            Assert.Equal((long)ids.Length, (long)(await stored.ExecuteScalarAsync())!);
        }

        // Every accepted message is delivered: SENT, none left SENDING or waiting.
        var statuses = new Dictionary<string, long>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        do
        {
            await Task.Delay(500);
            statuses.Clear();
            await using var count = dataSource.CreateCommand(
                "SELECT status, count(*) FROM notify.deliveries WHERE notification_id = ANY(@ids) GROUP BY status");
            count.Parameters.AddWithValue("ids", ids);
            await using var reader = await count.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                statuses[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        while (statuses.GetValueOrDefault("SENT") < ids.Length && DateTime.UtcNow < deadline);
        Assert.True(statuses.GetValueOrDefault("SENT") == ids.Length,
            $"Of {ids.Length} accepted: {string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}"))}.\n"
            + string.Join("\n", topology.Logs.Skip(logsBefore).Where(l => l.Source == "sms").TakeLast(40)));

        // ...and the provider saw each exactly once.
        using var http = new HttpClient();
        var arrivals = await http.GetFromJsonAsync<JsonElement>(new Uri(topology.App.GetEndpoint("sandbox", "http"), "/sandbox/arrivals?provider=twilio&minArrivals=1"));
        var seen = arrivals.GetProperty("arrivals").EnumerateArray()
            .ToDictionary(a => a.GetProperty("deliveryId").GetString()!, a => a.GetProperty("arrivals").GetInt32());
        var deliveryIds = accepted.Values.ToHashSet();
        var unseen = deliveryIds.Where(d => !seen.ContainsKey(d)).ToList();
        Assert.Empty(unseen);
        var duplicated = deliveryIds.Where(d => seen[d] != 1).ToList();
        Assert.Empty(duplicated);

        // No process crashed or was restarted; the SMS worker backed off instead of storming its
        // log: a handful of warnings per second of outage at most, and no errors.
        Assert.True(sms.IsRunning && sms.Pid == smsPid, "The SMS process was restarted.");
        Assert.True(ingress.IsRunning && ingress.Pid == ingressPid, "The ingress was restarted.");
        var smsLines = topology.Logs.Skip(logsBefore).Where(l => l.Source == "sms").ToList();
        var unavailable = smsLines.Count(l => l.Text.Contains("database is unavailable", StringComparison.Ordinal));
        // One when the outage began; a second is allowed should the database flap while starting.
        Assert.True(unavailable is >= 1 and <= 2,
            $"The SMS process logged {unavailable} 'database is unavailable' lines in a {restartedAfter.TotalSeconds:0} s outage.");
        Assert.Contains(smsLines, l => l.Text.Contains("database is reachable again", StringComparison.Ordinal));
        var errors = smsLines.Where(l => l.Text.Contains("fail:", StringComparison.Ordinal) || l.Text.Contains("crit:", StringComparison.Ordinal)).ToList();
        Assert.Empty(errors);
    }
}
