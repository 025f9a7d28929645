using System.Numerics;

namespace Notify.Bench.Recording;

/// <summary>
/// Microsecond latencies in log-linear buckets, in the manner of HdrHistogram: values below
/// 256 µs are exact, and every power of two above is split into 128 buckets, so a reported
/// percentile is within 0.8% of the true value. Recording is an index computation and an
/// increment on a preallocated array; one histogram belongs to one caller, so no locking.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBits = 8;
    private const int LinearCount = 1 << LinearBits;            // 256 exact values
    private const int SubBuckets = LinearCount / 2;             // 128 buckets per octave
    private const int MaxBits = 40;                             // 2^40 µs ≈ 12.7 days
    public const long MaxValue = (1L << MaxBits) - 1;

    private readonly long[] _counts = new long[BucketCount];

    private static int BucketCount => IndexOf(MaxValue) + 1;

    public long Count { get; private set; }

    public long Max { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    private long _sum;

    public void Record(long micros)
    {
        var value = Math.Clamp(micros, 0, MaxValue);
        _counts[IndexOf(value)]++;
        Count++;
        _sum += value;
        if (value > Max)
        {
            Max = value;
        }

        if (value < Min)
        {
            Min = value;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        _sum += other._sum;
        Max = Math.Max(Max, other.Max);
        Min = Math.Min(Min, other.Min);
    }

    public double Mean => Count == 0 ? 0 : (double)_sum / Count;

    /// <summary>
    /// The smallest recorded value at or above which no more than (100 − p)% of values lie,
    /// reported as the top of its bucket (never above <see cref="Max"/>): an estimate that errs high.
    /// </summary>
    public long Percentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Clamp(UpperBoundOf(i), Min, Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearCount)
        {
            return (int)value;
        }

        var shift = BitOperations.Log2((ulong)value) - (LinearBits - 1);
        var sub = (int)(value >> shift);                        // 128..255
        return LinearCount + (shift - 1) * SubBuckets + (sub - SubBuckets);
    }

    internal static long UpperBoundOf(int index)
    {
        if (index < LinearCount)
        {
            return index;
        }

        var k = index - LinearCount;
        var shift = k / SubBuckets + 1;
        long sub = k % SubBuckets + SubBuckets;
        return ((sub + 1) << shift) - 1;
    }
}
