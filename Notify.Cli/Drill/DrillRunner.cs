using System.Globalization;
using Npgsql;

namespace Notify.Cli.Drill;

/// <summary>What a drill run produced: the judged evidence and the file it was written to.</summary>
public sealed record DrillResult(DrillEvidence Evidence, string EvidencePath);

/// <summary>
/// The crash drill of <c>notification-staging-drill.md</c> against a running topology: seed,
/// let two replicas of each channel work, SIGKILL one of each when the given fraction is done,
/// follow what they held until survivors reap it, wait for every message to end, then gather
/// the evidence and judge it (<see cref="DrillVerdict"/>). The sandbox's faults are set for the
/// run and put back afterwards, whatever happens; the database is only read.
/// </summary>
public sealed class DrillRunner(DrillTarget target, DrillOptions options, IDrillReporter reporter)
{
    /// <summary>How often the killed replicas' deliveries are looked at: the resolution of the recovery time.</summary>
    private static readonly TimeSpan RecoveryPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>Progress is read every this many recovery polls (once a second).</summary>
    private const int ProgressEvery = 4;

    /// <summary>
    /// Slack on the recovery bound for what the drill cannot see exactly: the reaper's own
    /// statement time, and a delivery reaped, claimed and finished again between two looks.
    /// </summary>
    public const double RecoveryToleranceSeconds = 1.0;

    /// <summary>How long to let receipts turn SENT into DELIVERED once nothing is left to send.</summary>
    private static readonly TimeSpan ReceiptSettle = TimeSpan.FromSeconds(20);

    public async Task<DrillResult> RunAsync(CancellationToken cancellationToken)
    {
        if (options.Problems().ToList() is { Count: > 0 } problems)
        {
            throw new CliException(ExitCodes.Usage, string.Join(" ", problems));
        }
        var started = DateTimeOffset.UtcNow;
        var runId = started.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        var plan = new DrillPlan(runId, options);
        var estimate = DrillEstimate.For(plan, target);
        var timeout = options.Timeout ?? estimate.DefaultTimeout;
        var evidencePath = PrepareOutput(runId);
        reporter.Planned(plan, target, estimate, timeout);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var sandbox = new SandboxControl(http, target.Sandbox);
        await sandbox.EnsureSupportedAsync(cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(target.ConnectionString);
        var database = new DrillDatabase(dataSource);
        await database.StatusCountsAsync([], cancellationToken);   // reachable before anything is sent

        var saved = await sandbox.SaveFaultsAsync(cancellationToken);
        DrillEvidence evidence;
        try
        {
            await sandbox.SetDrillFaultsAsync(plan, cancellationToken);
            var seeded = await new DrillSeeder(target).SeedAsync(plan, n => reporter.Seeding(n, plan.Messages.Count), cancellationToken);
            var ids = seeded.Select(s => s.DeliveryId).ToArray();
            var run = new Run(started, plan, ids, seeded.Count, database, new RecoveryTracker());
            var (kill, timedOut) = await MonitorAsync(run, started + timeout, cancellationToken);
            if (!timedOut)
            {
                await SettleReceiptsAsync(run, cancellationToken);
            }
            evidence = await GatherAsync(run, seeded, estimate, sandbox, kill, timedOut, cancellationToken);
        }
        finally
        {
            await sandbox.RestoreAsync(saved, CancellationToken.None);
        }

        evidence = DrillVerdict.Judge(evidence);
        await File.WriteAllTextAsync(evidencePath, evidence.ToJson() + Environment.NewLine, CancellationToken.None);
        return new DrillResult(evidence, evidencePath);
    }

    private sealed record Run(DateTimeOffset Started, DrillPlan Plan, Guid[] Ids, int Seeded, DrillDatabase Database, RecoveryTracker Tracker);

    /// <summary>The evidence file's path; the directory is made (and must be writable) before a long run starts.</summary>
    private string PrepareOutput(string runId)
    {
        var directory = Path.GetFullPath(options.OutputDirectory);
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".drill-{runId}.probe");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"--output {directory}: cannot write there ({e.Message}).");
        }
        return Path.Combine(directory, $"drill_evidence_{runId}.json");
    }

    /// <summary>
    /// Reads progress every second and the killed replicas' deliveries every 250 ms; kills when
    /// the fraction is done; ends once every message is final and every held delivery is back,
    /// or at the deadline.
    /// </summary>
    private async Task<(KillRecord Kill, bool TimedOut)> MonitorAsync(Run run, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var kill = new KillRecord(null, 0, 0, []);
        for (var tick = 0; ; tick++)
        {
            var now = DateTimeOffset.UtcNow;
            if (tick % ProgressEvery == 0)
            {
                var snapshot = await SnapshotAsync(run, cancellationToken);
                reporter.Progress(snapshot);
                var done = snapshot.Counts.Total - snapshot.Counts.Unfinished;
                if (kill.At is null && done >= options.KillAfter * run.Seeded)
                {
                    kill = await KillAsync(run, done, cancellationToken);
                }
                else if (kill.At is not null && snapshot.Counts.Unfinished == 0 && run.Tracker.Done)
                {
                    return (kill, false);
                }
            }
            if (!run.Tracker.Done)
            {
                run.Tracker.Observe(await run.Database.HeldStatesAsync(run.Tracker.Pending, cancellationToken), DateTimeOffset.UtcNow);
            }
            if (now > deadline)
            {
                reporter.Note($"Timed out after {DrillEstimate.Format(now - run.Started)}: judging what there is.");
                return (kill, true);
            }
            await Task.Delay(RecoveryPoll, cancellationToken);
        }
    }

    private static async Task<DrillSnapshot> SnapshotAsync(Run run, CancellationToken cancellationToken) => new(
        DateTimeOffset.UtcNow - run.Started,
        run.Seeded,
        StatusCounts.Of(await run.Database.StatusCountsAsync(run.Ids, cancellationToken)),
        await run.Database.InFlightAsync(run.Ids, cancellationToken),
        await run.Database.WorkersAsync(run.Ids, cancellationToken));

    /// <summary>
    /// SIGKILLs, on each channel, the replica holding the most deliveries right now, then
    /// records what each held: its SENDING rows, read a moment after it died so a completion
    /// statement PostgreSQL was still running for it has committed or rolled back.
    /// </summary>
    private async Task<KillRecord> KillAsync(Run run, long done, CancellationToken cancellationToken)
    {
        var inFlight = await run.Database.InFlightAsync(run.Ids, cancellationToken);
        var victims = DrillPlan.Channels
            .Select(channel => target.Replicas[channel]
                .OrderByDescending(r => inFlight.GetValueOrDefault(r.WorkerId))
                .ThenByDescending(r => r.Replica)
                .First())
            .ToList();
        var killedAt = new Dictionary<DrillReplica, DateTimeOffset>();
        foreach (var victim in victims)
        {
            killedAt[victim] = DateTimeOffset.UtcNow;
            await ReplicaKiller.KillAsync(victim, cancellationToken);
        }
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var records = new List<KilledReplicaRecord>();
        foreach (var victim in victims)
        {
            var held = await run.Database.HeldByAsync(run.Ids, victim.WorkerId, cancellationToken);
            var killed = new KilledReplica(victim, killedAt[victim], held);
            run.Tracker.Add(killed);
            reporter.Killed(killed);
            records.Add(new KilledReplicaRecord(victim.Channel, victim.Label, victim.Pid, victim.WorkerId, held.Count));
        }
        return new KillRecord(killedAt.Values.Min(), Math.Round((double)done / run.Seeded, 4), records.Sum(r => r.InFlight), records);
    }

    /// <summary>Lets receipts move SENT deliveries on (to DELIVERED) until none are SENT or the count stops moving.</summary>
    private static async Task SettleReceiptsAsync(Run run, CancellationToken cancellationToken)
    {
        var until = DateTimeOffset.UtcNow + ReceiptSettle;
        long? last = null;
        var still = 0;
        while (DateTimeOffset.UtcNow < until)
        {
            var sent = StatusCounts.Of(await run.Database.StatusCountsAsync(run.Ids, cancellationToken)).Sent;
            still = sent == last ? still + 1 : 0;
            if (sent == 0 || still >= 3)
            {
                return;
            }
            last = sent;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private async Task<DrillEvidence> GatherAsync(
        Run run, IReadOnlyList<SeededDelivery> seeded, DrillEstimate estimate, SandboxControl sandbox, KillRecord kill, bool timedOut,
        CancellationToken cancellationToken)
    {
        var database = run.Database;
        var rows = await database.StatusCountsAsync(run.Ids, cancellationToken);
        var receipts = await database.ReceiptsSinceAsync(run.Started, cancellationToken);
        var replicas = target.Replicas.Values.SelectMany(r => r).ToDictionary(r => r.WorkerId, StringComparer.Ordinal);
        var killedWorkers = kill.Replicas.Select(r => r.Worker).ToHashSet(StringComparer.Ordinal);
        var workers = (await database.WorkersAsync(run.Ids, cancellationToken))
            .Select(w => new WorkerShare(w.Worker, w.Channel, replicas.TryGetValue(w.Worker, out var r) ? r.Label : "?", w.Claims, w.Sent,
                killedWorkers.Contains(w.Worker)))
            .ToList();
        var ids = run.Ids.ToHashSet();
        var views = new Dictionary<string, SandboxView>(StringComparer.Ordinal);
        foreach (var channel in DrillPlan.Channels)
        {
            views[channel] = SandboxViewOf(await sandbox.ArrivalsAsync(channel, cancellationToken), ids);
        }

        var tracker = run.Tracker;
        var reaped = tracker.Recovered.Where(r => r.Reaped).ToList();
        var bound = kill.Replicas.Count == 0 ? 0
            : kill.Replicas.Max(r => target.Settings[r.Channel].RecoveryBound.TotalSeconds);
        var plan = run.Plan;
        return new DrillEvidence
        {
            Timestamp = DateTimeOffset.UtcNow,
            DrillId = "notify-drill-" + plan.RunId,
            Setup = new DrillSetup(plan.Messages.Count, options.WhatsAppPercent, options.InvalidPercent, options.DeadTolerancePercent,
                options.ThrottlePercent, options.RetryAfterSeconds, options.KillAfter,
                DrillPlan.Channels.ToDictionary(c => c, c => new ChannelSetup(
                    plan.CountOf(c), plan.InvalidOf(c), seeded.Count(s => s.Message.Channel == c && s.SkippedAtIngest), target.Replicas[c].Count,
                    target.Settings[c].Lease.TotalSeconds, target.Settings[c].ReapInterval.TotalSeconds, target.Settings[c].RatePerSecond)),
                Math.Round(estimate.Total.TotalSeconds)),
            Counts = StatusCounts.Of(rows),
            CountsByChannel = DrillPlan.Channels.ToDictionary(c => c, c => StatusCounts.Of(rows.Where(r => r.Channel == c))),
            AcceptedByProvider = await database.AcceptedByProviderAsync(run.Ids, cancellationToken),
            DuplicatesDetected = await database.SharedProviderMessageIdsAsync(run.Ids, cancellationToken),
            StuckSendingCount = await database.StuckSendingAsync(run.Ids, cancellationToken),
            WebhookStats = new WebhookStats(receipts.Total, receipts.Refused, receipts.StaleTimestamp, receipts.BadSignature,
                receipts.Total == 0 ? 0 : Math.Round(100.0 * receipts.Refused / receipts.Total, 2)),
            ReaperStats = new ReaperStats(
                reaped.Count,
                tracker.Recovered.Count - reaped.Count,
                tracker.Pending.Length,
                Math.Round(tracker.Recovered.Select(r => r.SecondsAfterKill).DefaultIfEmpty(0).Max(), 3),
                Math.Round(reaped.Select(r => r.SecondsAfterLeaseExpiry).DefaultIfEmpty(0).Max(), 3),
                bound,
                RecoveryToleranceSeconds),
            WorkerDistribution = workers,
            Kill = kill,
            Sandbox = views,
            DurationSeconds = Math.Round((DateTimeOffset.UtcNow - run.Started).TotalSeconds, 1),
            TimedOut = timedOut,
        };
    }

    /// <summary>This run's deliveries at one channel's providers, counted per delivery across them (email: SendGrid, then SMTP on failover).</summary>
    private static SandboxView SandboxViewOf(IReadOnlyList<SandboxArrival> arrivals, HashSet<Guid> ids)
    {
        var perDelivery = arrivals
            .Where(a => Guid.TryParse(a.DeliveryId, out var id) && ids.Contains(id))
            .GroupBy(a => Guid.Parse(a.DeliveryId))
            .Select(g => (Arrivals: g.Sum(a => a.Arrivals), Throttled: g.Any(a => a.ThrottledFirst)))
            .ToList();
        return new SandboxView(
            perDelivery.Count(d => d.Arrivals >= 1),
            perDelivery.Count(d => d.Arrivals >= 2),
            perDelivery.Where(d => d.Arrivals >= 2).Sum(d => (long)d.Arrivals - 1),
            perDelivery.Count(d => d.Throttled));
    }
}
