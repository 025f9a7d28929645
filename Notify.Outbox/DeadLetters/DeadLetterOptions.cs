using System.ComponentModel.DataAnnotations;

namespace Notify.Outbox.DeadLetters;

/// <summary>
/// Limits on dead-letter replays (section <c>Notify:DeadLetters</c>, validated at start). The
/// largest single replay is the request's MaxRows, which the admin API caps with its own option.
/// </summary>
public sealed class DeadLetterOptions
{
    public const string SectionName = "Notify:DeadLetters";

    /// <summary>
    /// Rows one tenant may replay per UTC day, all runs together: a replay is a burst of sends to
    /// the provider (and a bill), so a mistaken filter repeated in a loop must stop somewhere.
    /// </summary>
    [Range(1, 100_000_000)]
    public int DailyReplayBudget { get; set; } = 10_000;

    /// <summary>Rows one tenant may replay per UTC calendar month, all runs together.</summary>
    [Range(1, 1_000_000_000)]
    public int MonthlyReplayBudget { get; set; } = 100_000;

    /// <summary>
    /// Attempts a replayed delivery gets: its max_attempts becomes attempt_count + this. One means
    /// "try once more, and it is dead again if that fails", which keeps a replay of a still-broken
    /// destination from running the channel's whole retry schedule again for every row.
    /// </summary>
    [Range(1, 100)]
    public int AttemptsPerReplay { get; set; } = 1;
}
