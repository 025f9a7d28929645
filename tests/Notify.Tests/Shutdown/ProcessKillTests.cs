using System.Diagnostics;
using System.Text.RegularExpressions;
using Notify.Grpc.V1;
using Notify.Hosting.Orchestration;
using Notify.Outbox;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Shutdown;

/// <summary>How a process is stopped: the orchestrator's graceful stop, or a crash.</summary>
public enum StopSignal
{
    SIGTERM,
    SIGKILL,
}

/// <summary>
/// Every kind of Notify process stopped under load, gracefully (SIGTERM) and by a crash
/// (SIGKILL), then started again. What a user would notice: every notification the ingress
/// answered OK is stored once and ends delivered, nothing is left SENDING or PENDING, the
/// provider saw every message, and duplicates are only ever deliveries a crashed process held
/// (none at all after SIGTERM). A SIGTERM'd process exits by itself, with code 0.
/// </summary>
/// <remarks>
/// What these tests found (each prints its numbers): every process exits with 0 within about a
/// second of SIGTERM under this load, leaving no lease behind. A SIGTERM'd ingress answers the
/// calls it has (OK, group commits included) and new calls get UNAVAILABLE until it is back; a
/// SIGKILLed one leaves its callers UNAVAILABLE mid-call, and the retry of a call whose commit
/// had gone through is answered as a replay with the same ids. A SIGKILLed channel process
/// leaves up to two batches leased (calls in flight, and calls answered whose batch was not yet
/// written); the reaper takes them back after the lease and some are sent twice (fewer on
/// channels with receipts: a receipt that arrives first settles the delivery).
/// </remarks>
public sealed class ProcessKillTests(ProcessKillTopologyFixture topology) : IClassFixture<ProcessKillTopologyFixture>
{
    // Per scenario: enough that the channel is busy for several seconds at 16 calls in flight.
    private const int Messages = 150;
    // The signal goes once the provider has seen this many of them (and leases are held).
    private const int SeenBeforeSignal = 30;
    // The sandbox answers every call this late: calls are in flight whenever the signal lands.
    private static readonly TimeSpan ProviderDelay = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(90);
    // The ingress's load: callers sending at once, each a Send and a SendBatch in turn, until
    // each has had this many calls answered that it started after the signal.
    private const int Callers = 6;
    private const int CallsAfterSignal = 4;

    public static TheoryData<string, StopSignal> ChannelCases()
    {
        var cases = new TheoryData<string, StopSignal>();
        foreach (var channel in ChannelNames.All)
        {
            cases.Add(channel, StopSignal.SIGTERM);
            cases.Add(channel, StopSignal.SIGKILL);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(ChannelCases))]
    public async Task A_channel_process_stopped_under_load_delivers_everything_and_its_leases_come_back(string channel, StopSignal signal)
    {
        var provider = ChannelLoad.ProviderOf(channel);
        var process = topology.App.GetProcess(channel);
        var worker = ProcessKillTopologyFixture.WorkerId(process.Pid);
        await topology.SlowDownAsync(provider, ProviderDelay);
        try
        {
            var ids = await ChannelLoad.SendAsync(topology, channel, Messages, $"kill-{channel}-{signal}-{Guid.NewGuid():N}"[..32]);

            // Under load: the provider has some, and the process holds leases on others.
            await WaitUntilAsync(async () => (await SeenAsync(channel, ids)).Count >= SeenBeforeSignal
                && (await topology.DeliveriesAsync(ids)).Values.Any(d => d.Status == DeliveryStatuses.Sending && d.LockedBy == worker),
                $"{channel} to be busy with the load", () => topology.AttemptSummaryAsync(ids));

            HashSet<Guid> heldAtSignal;
            var linesBefore = topology.Logs.Count;
            if (signal == StopSignal.SIGKILL)
            {
                await process.KillAsync();
                // Claimed by the dead process: only their leases running out can free them.
                var atKill = await topology.DeliveriesAsync(ids);
                heldAtSignal = [.. atKill.Where(d => d.Value.Status == DeliveryStatuses.Sending).Select(d => d.Key)];
                Assert.NotEmpty(heldAtSignal);
                Assert.All(heldAtSignal, id => Assert.Equal(worker, atKill[id].LockedBy));
            }
            else
            {
                heldAtSignal = [];
                await StopGracefullyAsync(process);
                // Graceful: calls in flight finished and were recorded, unstarted claims were
                // handed back; nothing waits for a lease to run out.
                var rows = await topology.DeliveriesAsync(ids);
                Assert.DoesNotContain(rows.Values, d => d.Status == DeliveryStatuses.Sending);
                var timedOut = await topology.TimedOutAsync(ids);
                foreach (var id in (await SeenAsync(channel, ids)).Except(timedOut))
                {
                    Assert.Contains(rows[id].Status, Finished(channel));
                }
                // ... and it stopped with work left: the signal landed under load.
                Assert.Contains(rows.Values, d => d.Status is DeliveryStatuses.Pending or DeliveryStatuses.Retrying);
            }

            await process.StartAsync(TimeSpan.FromMinutes(1));

            var final = await WaitForFinalAsync(ids);
            Assert.All(final, d => Assert.Contains(d.Value.Status, Finished(channel)));
            var arrivals = await topology.ChannelArrivalsAsync(channel);
            Assert.All(ids, id => Assert.True(arrivals.GetValueOrDefault(id) >= 1, $"no provider of {channel} saw {id}"));
            // A call that timed out may have reached the provider (the sandbox records a message
            // before it withholds the answer): its retry is a duplicate of the timeout's making,
            // not the signal's. None time out unless the machine is badly overloaded.
            var timedOutCalls = await topology.TimedOutAsync(ids);
            var duplicates = ids.Where(id => arrivals[id] > 1 && !timedOutCalls.Contains(id)).ToList();
            Output($"{channel} {signal}: {ids.Count} sent, {heldAtSignal.Count} leases held by the killed process, " +
                $"{duplicates.Count} delivered twice, {final.Values.Count(d => d.AttemptCount > 1)} took more than one attempt, " +
                $"{timedOutCalls.Count} had a call time out; provider calls: {await topology.AttemptSummaryAsync(ids)}");
            if (signal == StopSignal.SIGTERM)
            {
                Assert.Empty(duplicates);
            }
            else
            {
                // A duplicate is a call the provider took that the dead process could not record:
                // one of the deliveries it held (calls in flight, and calls answered whose batch
                // was not written yet), never one it had finished or not claimed.
                Assert.All(duplicates, id => Assert.Contains(id, heldAtSignal));
                // The dead process's leases came back through the restarted process's reaper.
                Assert.True(ReapedSince(channel, linesBefore) >= heldAtSignal.Count,
                    $"{heldAtSignal.Count} leases were held at the kill, the reaper reported {ReapedSince(channel, linesBefore)}");
            }
        }
        finally
        {
            await topology.ClearFaultsAsync(provider);
            if (!process.IsRunning)
            {
                await process.StartAsync(TimeSpan.FromMinutes(1));
            }
        }
    }

    [Theory]
    [InlineData(StopSignal.SIGTERM)]
    [InlineData(StopSignal.SIGKILL)]
    public async Task An_ingress_stopped_under_load_loses_no_OK_and_callers_retrying_with_their_keys_get_through(StopSignal signal)
    {
        var ingress = topology.App.GetProcess("ingress");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var callers = new IngressCallers(topology.App.GetEndpoint("ingress", "grpc"), topology.DevelopmentKey,
            i => ChannelLoad.Request(ChannelNames.Push, i, topology.Sandbox, "ingress"));

        var running = callers.RunAsync(Callers, CallsAfterSignal, cancel.Token);
        // Signal while calls are on the wire: some of them caught mid-commit.
        await WaitUntilAsync(() => Task.FromResult((callers.Answered >= Callers && callers.InFlight >= Callers / 2) || running.IsCompleted), "the callers to get going");
        if (running.IsCompleted)
        {
            await running;  // a caller met an error it does not retry: this says which
        }
        callers.SignalSent();
        if (signal == StopSignal.SIGKILL)
        {
            await ingress.KillAsync();
        }
        else
        {
            await StopGracefullyAsync(ingress);
        }
        await ingress.StartAsync(TimeSpan.FromMinutes(1));
        topology.Connect();
        await running;

        Output($"ingress {signal}: {callers.Accepted.Count} notifications OK, {callers.Replayed} of them replays; " +
            $"calls in flight at the signal ended: {Tally(callers.SpanningSignal)}; errors retried: {Tally(callers.Errors)}");
        // Every notification a caller made was answered OK in the end, the restarted ingress took calls.
        Assert.Equal(callers.Issued, callers.Accepted.Count);
        Assert.Equal(Callers * CallsAfterSignal, callers.AnsweredAfterSignal);
        Assert.NotEmpty(callers.SpanningSignal);    // the signal caught calls mid-flight
        Assert.NotEmpty(callers.Errors);            // and callers ran into the stop
        if (signal == StopSignal.SIGTERM)
        {
            // Kestrel finishes the calls it has and refuses new ones: a caller sees UNAVAILABLE, then OK.
            Assert.All(callers.Errors, e => Assert.StartsWith("Unavailable", e));
        }

        // Every OK is stored exactly once, under the id it was answered with.
        var stored = await StoredAsync(callers.Accepted.Keys);
        Assert.Equal(callers.Accepted.Count, stored.Count);
        Assert.All(callers.Accepted, a => Assert.Equal(Guid.Parse(a.Value.NotificationId), Assert.Single(stored[a.Key])));
        // ... and delivered, exactly once: the push process was never stopped.
        var ids = callers.Accepted.Values.Select(a => Guid.Parse(a.Deliveries.Single().DeliveryId)).ToList();
        var final = await WaitForFinalAsync(ids);
        Assert.All(final, d => Assert.Equal(DeliveryStatuses.Delivered, d.Value.Status));
        var arrivals = await topology.ChannelArrivalsAsync(ChannelNames.Push);
        Assert.All(ids, id => Assert.Equal(1, arrivals.GetValueOrDefault(id)));
    }

    /// <summary>SIGTERM, then the process must exit by itself, with 0, within the host's shutdown timeout.</summary>
    private async Task StopGracefullyAsync(ResourceProcess process)
    {
        var pid = process.Pid;
        var stopwatch = Stopwatch.StartNew();
        // The harness SIGKILLs it if it is still there after the timeout, and the exit code then says so.
        await process.TerminateAsync(ProcessKillTopologyFixture.HostShutdownTimeout);
        Output($"{process.ResourceName} (pid {pid}) exited {stopwatch.Elapsed.TotalSeconds:0.0} s after SIGTERM with code {process.ExitCode}");
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>Deliveries the channel's reaper reported taking back since log line <paramref name="line"/>.</summary>
    private int ReapedSince(string channel, int line) => topology.Logs.Skip(line)
        .Where(l => l.Source == channel)
        .Select(l => Regex.Match(l.Text, @"reaped (\d+) deliveries whose lease expired"))
        .Where(m => m.Success)
        .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static string[] Finished(string channel) => channel is ChannelNames.Webhook or ChannelNames.Push
        ? [DeliveryStatuses.Delivered]
        : [DeliveryStatuses.Sent, DeliveryStatuses.Delivered];

    private async Task<IReadOnlyCollection<Guid>> SeenAsync(string channel, IReadOnlyList<Guid> ids)
    {
        var arrivals = await topology.ChannelArrivalsAsync(channel);
        return [.. ids.Where(arrivals.ContainsKey)];
    }

    /// <summary>Waits until no delivery is PENDING, SENDING or RETRYING; returns them as they ended.</summary>
    private async Task<IReadOnlyDictionary<Guid, DeliveryRow>> WaitForFinalAsync(IReadOnlyList<Guid> ids)
    {
        IReadOnlyDictionary<Guid, DeliveryRow> rows = new Dictionary<Guid, DeliveryRow>();
        var deadline = DateTime.UtcNow + Eventually;
        while (DateTime.UtcNow < deadline)
        {
            rows = await topology.DeliveriesAsync(ids);
            if (rows.Count == ids.Count && !rows.Values.Any(Unfinished))
            {
                return rows;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"After {Eventually.TotalSeconds:0} s, {rows.Values.Count(Unfinished)} of {ids.Count} deliveries are unfinished: " +
            string.Join(", ", rows.Values.Where(Unfinished).GroupBy(d => d.Status).Select(g => $"{g.Count()} {g.Key}")) +
            "; provider calls: " + await topology.AttemptSummaryAsync(ids));
        return rows;

        static bool Unfinished(DeliveryRow d) => d.Status is DeliveryStatuses.Pending or DeliveryStatuses.Sending or DeliveryStatuses.Retrying;
    }

    private async Task<IReadOnlyDictionary<string, List<Guid>>> StoredAsync(IEnumerable<string> keys)
    {
        await using var command = topology.Database.CreateCommand("SELECT idempotency_key, id FROM notify.notifications WHERE idempotency_key = ANY($1)");
        command.Parameters.Add(new() { Value = keys.ToArray() });
        var stored = new Dictionary<string, List<Guid>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var key = reader.GetString(0);
            (stored.TryGetValue(key, out var list) ? list : stored[key] = []).Add(reader.GetGuid(1));
        }
        return stored;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Func<Task<string>>? explain = null)
    {
        var deadline = DateTime.UtcNow + Eventually;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Waited {Eventually.TotalSeconds:0} s for {what}. {(explain is null ? "" : await explain())}");
            }
            await Task.Delay(50);
        }
    }

    private static string Tally(IEnumerable<string> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} × {g.Key}"));

    private static void Output(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
}
