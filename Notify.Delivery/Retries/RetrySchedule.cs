namespace Notify.Delivery.Retries;

/// <summary>
/// When to try a delivery again: a list of delays (data, per channel) with ±<see cref="Jitter"/>
/// so retries of a failed batch do not arrive at the provider together. A provider's
/// <c>Retry-After</c> wins over the schedule. Attempts beyond the list reuse its last delay.
/// </summary>
public sealed record RetrySchedule(IReadOnlyList<TimeSpan> Delays, double Jitter = 0.2)
{
    public static readonly RetrySchedule Email = Seconds(1, 5, 30, 120, 300);
    public static readonly RetrySchedule Sms = Seconds(1, 5, 30);
    public static readonly RetrySchedule WhatsApp = Seconds(1, 5, 30);
    public static readonly RetrySchedule Push = Seconds(1, 5, 30);
    public static readonly RetrySchedule Webhook = Seconds(5, 300, 1_800, 7_200, 18_000, 36_000, 36_000);

    /// <summary>Provider calls a delivery gets in all: the first plus one per delay.</summary>
    public int MaxAttempts => Delays.Count + 1;

    public static RetrySchedule Seconds(params int[] seconds) => new(seconds.Select(s => TimeSpan.FromSeconds(s)).ToArray());

    /// <summary>
    /// The delay after failed attempt <paramref name="attemptNumber"/> (1 for the first call),
    /// or null when no attempt is left and the delivery is dead.
    /// </summary>
    public TimeSpan? DelayAfter(int attemptNumber, int maxAttempts, TimeSpan? retryAfter, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attemptNumber, 1);
        if (attemptNumber >= maxAttempts)
        {
            return null;
        }
        if (retryAfter is { } providerSays && providerSays > TimeSpan.Zero)
        {
            return providerSays;
        }
        var baseDelay = Delays[Math.Min(attemptNumber - 1, Delays.Count - 1)];
        var factor = 1 + Jitter * (2 * random.NextDouble() - 1);
        return TimeSpan.FromTicks((long)(baseDelay.Ticks * factor));
    }
}
