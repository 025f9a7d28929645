using System.Globalization;

namespace Notify.Cli.Drill;

/// <summary>
/// The drill's pass/fail criteria (issue 5, from the runbook's success criteria), judged on the
/// evidence alone so a saved evidence file can be judged again:
/// <list type="number">
/// <item>nothing lost: every seeded message is there and in a final state;</item>
/// <item>none stuck in SENDING;</item>
/// <item>dead letters within ± tolerance of the invalid share;</item>
/// <item>no double-send beyond what the crash made unavoidable: messages the sandbox accepted more
/// than once no more than the sends in flight at the kill (and no provider message id on two deliveries);</item>
/// <item>every delivery the killed replicas held back within lease + reap interval of the kill.</item>
/// </list>
/// </summary>
public static class DrillVerdict
{
    public const string NothingLost = "Nothing lost";
    public const string NoneStuck = "None stuck in SENDING";
    public const string DeadLetters = "Dead letters";
    public const string Duplicates = "Duplicates at the provider";
    public const string Recovery = "Recovery";

    public static IReadOnlyList<CriterionResult> Evaluate(DrillEvidence evidence)
    {
        var setup = evidence.Setup;
        var counts = evidence.Counts;
        var results = new List<CriterionResult>();

        var final = counts.Total - counts.Unfinished;
        results.Add(new(NothingLost, counts.Total == setup.Messages && counts.Unfinished == 0,
            $"{N(final)} of {N(setup.Messages)} in a final state ({N(counts.Total)} found; pending {N(counts.Pending)}, retrying {N(counts.Retrying)}, sending {N(counts.Sending)})"));

        results.Add(new(NoneStuck, counts.Sending == 0 && evidence.StuckSendingCount == 0,
            $"{N(counts.Sending)} SENDING, {N(evidence.StuckSendingCount)} of them past their lease"));

        var deadPct = setup.Messages == 0 ? 0 : 100.0 * counts.Dead / setup.Messages;
        results.Add(new(DeadLetters, Math.Abs(deadPct - setup.InvalidPercent) <= setup.DeadTolerancePercent + 1e-9,
            $"{N(counts.Dead)} dead = {deadPct.ToString("0.00", CultureInfo.InvariantCulture)} % (expected {setup.InvalidPercent} % ± {setup.DeadTolerancePercent.ToString("0.##", CultureInfo.InvariantCulture)})"));

        var duplicated = evidence.Sandbox.Values.Sum(s => s.DeliveredMoreThanOnce);
        results.Add(new(Duplicates, duplicated <= evidence.Kill.InFlightTotal && evidence.DuplicatesDetected == 0,
            $"{N(duplicated)} delivered more than once (at most {N(evidence.Kill.InFlightTotal)}: the sends in flight at the kill); "
            + $"{N(evidence.DuplicatesDetected)} provider message ids on two deliveries"));

        var reaper = evidence.ReaperStats;
        var killed = evidence.Kill.At is not null && evidence.Kill.Replicas.Count > 0;
        results.Add(new(Recovery, killed && reaper.StillHeld == 0 && reaper.MaxRecoveryTimeSeconds <= reaper.BoundSeconds + reaper.ToleranceSeconds,
            !killed
                ? "no replica was killed"
                : $"{N(reaper.RecoveredByReaper)} reaped, {N(reaper.CompletedByKilledWorker)} completed by the dying worker, {N(reaper.StillHeld)} still held; "
                  + $"slowest back {S(reaper.MaxRecoveryTimeSeconds)} after the kill (bound: lease + reap interval = {S(reaper.BoundSeconds)}, "
                  + $"+ {S(reaper.ToleranceSeconds)} measuring tolerance)"));
        return results;
    }

    /// <summary>The evidence with its verdict filled in.</summary>
    public static DrillEvidence Judge(DrillEvidence evidence)
    {
        var criteria = Evaluate(evidence);
        return evidence with { Criteria = criteria, Passed = criteria.All(c => c.Passed) };
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string S(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
