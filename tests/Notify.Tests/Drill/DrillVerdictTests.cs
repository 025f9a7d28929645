using Notify.Cli.Drill;

namespace Notify.Tests.Drill;

/// <summary>
/// The verdict on evidence alone: a drill that passes is judged PASS, and each criterion turns
/// to FAIL when what it checks does not hold (a lost or stuck message, too many dead letters,
/// more duplicates than sends in flight, a slow or missing recovery).
/// </summary>
public sealed class DrillVerdictTests
{
    [Fact]
    public void Evidence_of_a_good_run_passes_every_criterion()
    {
        var judged = DrillVerdict.Judge(Good());

        Assert.True(judged.Passed);
        Assert.Equal(5, judged.Criteria.Count);
        Assert.All(judged.Criteria, c => Assert.True(c.Passed, c.Name + ": " + c.Detail));
    }

    [Fact]
    public void A_lost_message_fails_nothing_lost()
    {
        var evidence = Good() with { Counts = Good().Counts with { Total = 9_999, Delivered = 9_499 } };

        AssertFails(evidence, DrillVerdict.NothingLost, "9,999 of 10,000");
    }

    [Fact]
    public void A_message_still_waiting_fails_nothing_lost()
    {
        var evidence = Good() with { Counts = Good().Counts with { Delivered = 9_499, Retrying = 1 } };

        AssertFails(evidence, DrillVerdict.NothingLost, "retrying 1");
    }

    [Fact]
    public void A_message_stuck_in_SENDING_fails()
    {
        var evidence = Good() with { Counts = Good().Counts with { Delivered = 9_499, Sending = 1 }, StuckSendingCount = 1 };

        var judged = DrillVerdict.Judge(evidence);

        Assert.False(judged.Passed);
        Assert.False(Criterion(judged, DrillVerdict.NoneStuck).Passed);
        Assert.False(Criterion(judged, DrillVerdict.NothingLost).Passed);
    }

    [Theory]
    [InlineData(601, false)]   // 6.01 %
    [InlineData(399, false)]   // 3.99 %
    [InlineData(600, true)]    // 6 % is still within 5 % ± 1
    [InlineData(400, true)]
    public void Dead_letters_must_be_within_one_point_of_the_invalid_share(long dead, bool passes)
    {
        var evidence = Good() with { Counts = Good().Counts with { Dead = dead, Delivered = 10_000 - dead } };

        Assert.Equal(passes, Criterion(DrillVerdict.Judge(evidence), DrillVerdict.DeadLetters).Passed);
    }

    [Fact]
    public void More_messages_delivered_twice_than_were_in_flight_at_the_kill_fails()
    {
        var evidence = Good() with
        {
            Sandbox = new Dictionary<string, SandboxView>
            {
                ["email"] = new(3_800, 30, 30, 400),
                ["whatsapp"] = new(5_700, 30, 30, 600),
            },
        };

        AssertFails(evidence, DrillVerdict.Duplicates, "60 delivered more than once (at most 57");
    }

    [Fact]
    public void A_provider_message_id_on_two_deliveries_fails_the_double_send_check()
    {
        AssertFails(Good() with { DuplicatesDetected = 1 }, DrillVerdict.Duplicates, "1 provider message ids on two deliveries");
    }

    [Fact]
    public void Recovery_slower_than_lease_plus_reap_interval_fails()
    {
        var evidence = Good() with { ReaperStats = Good().ReaperStats with { MaxRecoveryTimeSeconds = 66.5 } };

        AssertFails(evidence, DrillVerdict.Recovery, "66.5 s");
    }

    [Fact]
    public void A_delivery_the_killed_worker_held_that_never_came_back_fails_recovery()
    {
        AssertFails(Good() with { ReaperStats = Good().ReaperStats with { StillHeld = 1 } }, DrillVerdict.Recovery, "1 still held");
    }

    [Fact]
    public void A_drill_that_never_killed_fails_recovery()
    {
        var evidence = Good() with
        {
            Kill = new KillRecord(null, 0, 0, []),
            Sandbox = new Dictionary<string, SandboxView> { ["email"] = new(3_800, 0, 0, 400), ["whatsapp"] = new(5_700, 0, 0, 600) },
        };

        AssertFails(evidence, DrillVerdict.Recovery, "no replica was killed");
    }

    [Fact]
    public void A_saved_evidence_file_is_judged_the_same_when_read_back()
    {
        var bad = DrillVerdict.Judge(Good() with { StuckSendingCount = 2, Counts = Good().Counts with { Sending = 2, Delivered = 9_498 } });

        var read = DrillEvidence.FromJson(bad.ToJson());

        Assert.Equal(bad.Criteria, DrillVerdict.Evaluate(read));
        Assert.False(read.Passed);
        Assert.Contains("\"stuck_sending_count\": 2", bad.ToJson());
        Assert.Contains("\"whatsapp_percent\": 60", bad.ToJson());
    }

    private static void AssertFails(DrillEvidence evidence, string criterion, string detail)
    {
        var judged = DrillVerdict.Judge(evidence);

        Assert.False(judged.Passed);
        var result = Criterion(judged, criterion);
        Assert.False(result.Passed);
        Assert.Contains(detail, result.Detail);
        Assert.All(judged.Criteria.Where(c => c.Name != criterion), c => Assert.True(c.Passed, c.Name + ": " + c.Detail));
    }

    private static CriterionResult Criterion(DrillEvidence judged, string name) => Assert.Single(judged.Criteria, c => c.Name == name);

    /// <summary>A run of 10,000 that went as it should: 500 dead, 40 duplicates after a kill with 57 in flight, recovered in 63 s of 65.</summary>
    private static DrillEvidence Good() => new()
    {
        Timestamp = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero),
        DrillId = "notify-drill-20261124_114500",
        Setup = new DrillSetup(10_000, 60, 5, 1, 10, 1, 0.3, new Dictionary<string, ChannelSetup>
        {
            ["email"] = new(4_000, 200, 0, 2, 60, 5, 10),
            ["whatsapp"] = new(6_000, 300, 0, 2, 60, 5, 80),
        }, 900),
        Counts = new StatusCounts(Total: 10_000, Pending: 0, Sending: 0, Sent: 0, Delivered: 9_500, Retrying: 0, Failed: 0, Dead: 500, Skipped: 0, Expired: 0, Cancelled: 0),
        CountsByChannel = new Dictionary<string, StatusCounts>(),
        DuplicatesDetected = 0,
        StuckSendingCount = 0,
        WebhookStats = new WebhookStats(28_500, 0, 0, 0, 0),
        ReaperStats = new ReaperStats(RecoveredByReaper: 55, CompletedByKilledWorker: 2, StillHeld: 0, MaxRecoveryTimeSeconds: 63.2,
            MaxSecondsAfterLeaseExpiry: 4.9, BoundSeconds: 65, ToleranceSeconds: 1),
        WorkerDistribution = [],
        Kill = new KillRecord(new DateTimeOffset(2026, 11, 24, 11, 50, 0, TimeSpan.Zero), 0.3, 57,
            [new KilledReplicaRecord("email", "email#1", 4242, "vm-4242", 20), new KilledReplicaRecord("whatsapp", "whatsapp#0", 4343, "vm-4343", 37)]),
        Sandbox = new Dictionary<string, SandboxView>
        {
            ["email"] = new(3_800, 15, 15, 400),
            ["whatsapp"] = new(5_700, 25, 25, 600),
        },
        DurationSeconds = 870,
        TimedOut = false,
    };
}
