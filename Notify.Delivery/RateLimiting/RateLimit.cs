namespace Notify.Delivery.RateLimiting;

/// <summary>
/// A rate: <see cref="PerSecond"/> sends on average, with bursts of up to <see cref="Burst"/>
/// back to back. Shared by every replica of a channel through Redis.
/// </summary>
public sealed record RateLimit(double PerSecond, int Burst)
{
    /// <summary>Time between two sends at the average rate.</summary>
    public TimeSpan EmissionInterval => TimeSpan.FromSeconds(1 / PerSecond);

    /// <summary>This process's share when Redis is away and replicas cannot coordinate.</summary>
    public RateLimit PerReplica(int replicas) => new(PerSecond / Math.Max(1, replicas), Math.Max(1, Burst / Math.Max(1, replicas)));
}

/// <summary>Allowed now, or the time to wait before asking again.</summary>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static RateLimitDecision Allow => new(true, TimeSpan.Zero);
}
