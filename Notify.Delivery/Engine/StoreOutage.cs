namespace Notify.Delivery.Engine;

/// <summary>
/// One worker's view of whether its database is reachable, shared by the loops that use it
/// (claim, LISTEN, reaper, completions). Without it each loop logged every failed poll — a
/// 10 s PostgreSQL restart made one process write over a hundred warnings — and retried at
/// its normal pace. Now an outage is logged when it begins and when it ends, and while it
/// lasts the loops wait longer and longer (the poll interval doubled per failure, at most
/// <see cref="MaxWait"/>), so a database that is starting up is not hammered either.
/// </summary>
internal sealed class StoreOutage(TimeSpan firstWait)
{
    /// <summary>The longest wait between tries: the database is used again within this of coming back.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    private int _failures;

    /// <summary>Counts a failure; true when it starts an outage (log it then, not after).</summary>
    public bool Failed(out TimeSpan wait)
    {
        var failures = Interlocked.Increment(ref _failures);
        var doubled = firstWait.Ticks * Math.Pow(2, Math.Min(failures - 1, 16));
        wait = TimeSpan.FromTicks((long)Math.Min(doubled, MaxWait.Ticks));
        return failures == 1;
    }

    /// <summary>Records a success; the number of failures of the outage it ends (0 when there was none).</summary>
    public int Succeeded() => Volatile.Read(ref _failures) == 0 ? 0 : Interlocked.Exchange(ref _failures, 0);
}
