namespace Notify.Cli.Drill;

/// <summary>
/// What the crash drill does (the runbook's numbers by default): how many messages, the mix,
/// when to kill, where the evidence goes, and how long it may take.
/// </summary>
public sealed record DrillOptions
{
    public const int MaxMessages = 100_000;

    /// <summary>Messages seeded, one delivery each.</summary>
    public int Messages { get; init; } = 10_000;

    /// <summary>The fraction of messages in a final state when one replica of each channel is killed.</summary>
    public double KillAfter { get; init; } = 0.3;

    /// <summary>Where <c>drill_evidence_{yyyyMMdd_HHmmss}.json</c> is written.</summary>
    public string OutputDirectory { get; init; } = ".";

    /// <summary>The most the drill waits for every message to end; null: three times the expected duration (at least 5 minutes).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Share of messages on WhatsApp; the rest go by email.</summary>
    public int WhatsAppPercent { get; init; } = 60;

    /// <summary>Share of each channel's messages to contacts the sandbox rejects permanently: the expected dead letters.</summary>
    public int InvalidPercent { get; init; } = 5;

    /// <summary>How far the dead letters may be from <see cref="InvalidPercent"/>, in percentage points.</summary>
    public double DeadTolerancePercent { get; init; } = 1;

    /// <summary>Share of messages whose first arrival at the provider is answered 429.</summary>
    public int ThrottlePercent { get; init; } = 10;

    /// <summary>The Retry-After of those 429s: each one pauses the channel's sender on every replica that long.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Notifications per SendBatch call.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>The precise problems with these options (empty when they are fine).</summary>
    public IEnumerable<string> Problems()
    {
        if (Messages is < 100 or > MaxMessages)
        {
            yield return $"--messages must be from 100 to {MaxMessages:N0}, not {Messages}.";
        }
        if (KillAfter is <= 0 or >= 1 || double.IsNaN(KillAfter))
        {
            yield return $"--kill-after must be a fraction between 0 and 1 (e.g. 0.3), not {KillAfter}.";
        }
        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            yield return "--timeout must be positive.";
        }
        if (RetryAfterSeconds is < 0 or > 60)
        {
            yield return $"--retry-after must be from 0 to 60 seconds, not {RetryAfterSeconds}.";
        }
        if (WhatsAppPercent is < 0 or > 100 || InvalidPercent is < 0 or > 50 || ThrottlePercent is < 0 or > 100)
        {
            yield return "The WhatsApp, invalid and throttled shares must be percentages (invalid at most 50).";
        }
        if (BatchSize is < 1 or > 1_000)
        {
            yield return "The batch size must be from 1 to 1,000 (SendBatch's limit).";
        }
    }
}
