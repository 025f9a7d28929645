using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notify.Cli.Drill;

/// <summary>
/// <c>drill_evidence_{yyyyMMdd_HHmmss}.json</c>: the runbook's fields (counts, duplicates_detected,
/// stuck_sending_count, webhook_stats, reaper_stats, worker_distribution) plus what the sandbox
/// saw, the kill, the settings the bounds came from, and the verdict per criterion. Written
/// with snake_case names, as the runbook's evidence file.
/// </summary>
public sealed record DrillEvidence
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public required DateTimeOffset Timestamp { get; init; }

    /// <summary><c>notify-drill-{yyyyMMdd_HHmmss}</c>.</summary>
    public required string DrillId { get; init; }

    public required DrillSetup Setup { get; init; }

    /// <summary>This run's deliveries by status, all channels.</summary>
    public required StatusCounts Counts { get; init; }

    public required IReadOnlyDictionary<string, StatusCounts> CountsByChannel { get; init; }

    /// <summary>
    /// Sent and delivered messages by the provider that took them (SMTP, email's failover, sends
    /// no receipts: its messages stay SENT). <c>unrecorded</c>: sent by a killed replica whose
    /// completion died with it; the provider's receipt moved the reaped delivery on instead of a resend.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> AcceptedByProvider { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, long>>();

    /// <summary>The runbook's double-send check: provider message ids shared by two deliveries (must be 0).</summary>
    public required long DuplicatesDetected { get; init; }

    /// <summary>SENDING with an expired lease at the end (must be 0).</summary>
    public required long StuckSendingCount { get; init; }

    public required WebhookStats WebhookStats { get; init; }

    public required ReaperStats ReaperStats { get; init; }

    public required IReadOnlyList<WorkerShare> WorkerDistribution { get; init; }

    public required KillRecord Kill { get; init; }

    /// <summary>What the provider sandbox saw, per channel (email: SendGrid and SMTP together).</summary>
    public required IReadOnlyDictionary<string, SandboxView> Sandbox { get; init; }

    public required double DurationSeconds { get; init; }

    /// <summary>True when the drill stopped waiting at its timeout with messages not yet final.</summary>
    public required bool TimedOut { get; init; }

    public IReadOnlyList<CriterionResult> Criteria { get; init; } = [];

    public bool Passed { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DrillEvidence FromJson(string json) =>
        JsonSerializer.Deserialize<DrillEvidence>(json, Json) ?? throw new JsonException("An empty evidence file.");
}

public sealed record DrillSetup(
    int Messages, [property: JsonPropertyName("whatsapp_percent")] int WhatsAppPercent, int InvalidPercent, double DeadTolerancePercent, int ThrottlePercent, int RetryAfterSeconds,
    double KillAfter, IReadOnlyDictionary<string, ChannelSetup> Channels, double ExpectedDurationSeconds);

/// <summary>What was seeded on a channel and the settings its bounds come from (read from the replicas' /health/detail).</summary>
public sealed record ChannelSetup(int Seeded, int Invalid, int SkippedAtIngest, int Replicas, double LeaseSeconds, double ReapIntervalSeconds, double RatePerSecond);

public sealed record StatusCounts(
    long Total, long Pending, long Sending, long Sent, long Delivered, long Retrying, long Failed, long Dead, long Skipped, long Expired, long Cancelled)
{
    public static readonly StatusCounts Empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Still in the outbox's hands: not in a final state.</summary>
    [JsonIgnore]
    public long Unfinished => Pending + Sending + Retrying;

    public static StatusCounts Of(IEnumerable<StatusCount> rows)
    {
        var list = rows.ToList();
        long Count(string status) => list.Where(r => r.Status == status).Sum(r => r.Count);
        return new StatusCounts(list.Sum(r => r.Count), Count("PENDING"), Count("SENDING"), Count("SENT"), Count("DELIVERED"),
            Count("RETRYING"), Count("FAILED"), Count("DEAD"), Count("SKIPPED"), Count("EXPIRED"), Count("CANCELLED"));
    }
}

/// <summary>Receipts (provider webhooks) received while the drill ran, and the refused ones.</summary>
public sealed record WebhookStats(long TotalReceived, long Rejected, long StaleTimestampRejected, long InvalidSignatureRejected, double RejectionRatePct);

/// <summary>
/// The killed replicas' deliveries: how many the reaper gave back, how many their dying
/// statements completed, how long the slowest took from the kill (and from its lease's
/// expiry, the runbook's measure), against the bound lease + reap interval.
/// </summary>
public sealed record ReaperStats(
    int RecoveredByReaper, int CompletedByKilledWorker, int StillHeld, double MaxRecoveryTimeSeconds, double MaxSecondsAfterLeaseExpiry,
    double BoundSeconds, double ToleranceSeconds);

public sealed record WorkerShare(string Worker, string Channel, string Replica, long Claimed, long Sent, bool Killed);

public sealed record KillRecord(DateTimeOffset? At, double FractionDone, long InFlightTotal, IReadOnlyList<KilledReplicaRecord> Replicas);

public sealed record KilledReplicaRecord(string Channel, string Replica, int Pid, string Worker, int InFlight);

/// <summary>
/// One channel at the sandbox: deliveries of this run accepted at least once, accepted more
/// than once (a duplicate the recipient sees), the extra copies, and first arrivals answered 429.
/// </summary>
public sealed record SandboxView(long Accepted, long DeliveredMoreThanOnce, long ExtraArrivals, long FirstArrivalsThrottled);

public sealed record CriterionResult(string Name, bool Passed, string Detail);
