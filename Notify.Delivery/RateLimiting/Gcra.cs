namespace Notify.Delivery.RateLimiting;

/// <summary>
/// The generic cell rate algorithm on one number per key, the "theoretical arrival time"
/// (TAT) of the next send: a send is allowed when the TAT is no more than the burst
/// tolerance ahead of now, and pushes the TAT one emission interval further. The Redis
/// script runs the same arithmetic atomically; this copy serves the local fallback.
/// </summary>
internal static class Gcra
{
    public static (bool Allowed, long NewTat, long RetryAfterMs) Decide(long tatMs, long nowMs, long intervalMs, long burst)
    {
        var tat = Math.Max(tatMs, nowMs);
        var tolerance = intervalMs * (burst - 1);
        if (tat - nowMs > tolerance)
        {
            return (false, tat, tat - nowMs - tolerance);
        }
        return (true, tat + intervalMs, 0);
    }
}
