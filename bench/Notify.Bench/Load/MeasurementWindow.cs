using System.Diagnostics;

namespace Notify.Bench.Load;

/// <summary>
/// A run's timeline in <see cref="Stopwatch"/> ticks: it starts at <see cref="Start"/>, warms up
/// until <see cref="From"/>, and is measured until <see cref="Until"/>. Calls and latencies
/// outside [From, Until) are not reported.
/// </summary>
internal readonly record struct MeasurementWindow(long Start, long From, long Until)
{
    public static MeasurementWindow StartingNow(TimeSpan warmup, TimeSpan duration)
    {
        var start = Stopwatch.GetTimestamp();
        var from = start + Ticks(warmup);
        return new MeasurementWindow(start, from, from + Ticks(duration));
    }

    public bool Contains(long timestamp) => timestamp >= From && timestamp < Until;

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static long Micros(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

    public static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}
