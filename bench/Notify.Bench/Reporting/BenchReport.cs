using Notify.Bench.Recording;

namespace Notify.Bench.Reporting;

/// <summary>One run's results, as printed and as written by <c>--json</c>.</summary>
internal sealed record BenchReport
{
    public required string Scenario { get; init; }

    /// <summary><c>closed</c> (as fast as answers come) or <c>open</c> (paced by <see cref="Settings"/>.Rate).</summary>
    public required string Loop { get; init; }

    /// <summary>True when the target was the in-process fake server: the numbers measure the client only.</summary>
    public required bool SelfTest { get; init; }

    public required string Target { get; init; }

    public required string RunId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required MachineInfo Machine { get; init; }

    public required RunSettings Settings { get; init; }

    /// <summary>Seconds actually measured; less than Settings.DurationSeconds when interrupted.</summary>
    public required double WindowSeconds { get; init; }

    public required bool Interrupted { get; init; }

    public required long Calls { get; init; }

    public required double CallsPerSecond { get; init; }

    public required long FailedCalls { get; init; }

    public required long NotificationsAccepted { get; init; }

    public required double NotificationsPerSecond { get; init; }

    public required long DeliveriesAccepted { get; init; }

    public required double DeliveriesPerSecond { get; init; }

    public required long ItemsRejected { get; init; }

    /// <summary>Accepted notifications the server reported as idempotent replays; should be 0.</summary>
    public required long Replayed { get; init; }

    /// <summary>Open loop: calls due in the window that no caller was free to send.</summary>
    public required long Unsent { get; init; }

    /// <summary>
    /// Open loop: how late the latest call due in the window was sent, in ms. Near zero when
    /// generator and server kept up; large when a backlog (e.g. from a slow warmup) built up.
    /// </summary>
    public double? MaxStartLagMs { get; init; }

    /// <summary>CPU this process used over warmup and window, in cores (2.0 = two cores busy).
    /// On a machine shared with Notify it is CPU the server did not have.</summary>
    public required double ProcessCpuCores { get; init; }

    /// <summary>Per call. Open loop: from the call's due time, so queueing behind busy callers counts.</summary>
    public required LatencySummary Latency { get; init; }

    /// <summary>Open loop only: per call from its actual send.</summary>
    public LatencySummary? ServiceTime { get; init; }

    public required IReadOnlyList<ErrorCount> Errors { get; init; }
}

internal sealed record RunSettings(int Concurrency, int Channels, int? BatchSize, double? Rate, double WarmupSeconds, double DurationSeconds);
