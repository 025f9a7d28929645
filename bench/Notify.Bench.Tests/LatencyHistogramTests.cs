using Notify.Bench.Recording;

namespace Notify.Bench.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_of_a_wide_range_are_within_one_percent_of_the_exact_values()
    {
        var histogram = new LatencyHistogram();
        var values = Enumerable.Range(1, 200_000).Select(i => (long)i * 7).ToArray();   // 7 µs .. 1.4 s
        foreach (var v in values.Reverse())
        {
            histogram.Record(v);
        }

        foreach (var p in new[] { 50.0, 90.0, 99.0, 99.9 })
        {
            var exact = values[(int)Math.Ceiling(p / 100 * values.Length) - 1];
            var reported = histogram.Percentile(p);
            Assert.InRange(reported, exact, exact * 1.008);
        }

        Assert.Equal(values[^1], histogram.Max);
        Assert.Equal(values[0], histogram.Min);
        Assert.Equal(values.Average(), histogram.Mean, 3);
    }

    [Fact]
    public void Small_values_are_exact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 0; v < 100; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(49, histogram.Percentile(50));
        Assert.Equal(98, histogram.Percentile(99));
        Assert.Equal(99, histogram.Percentile(100));
    }

    [Fact]
    public void Buckets_tile_the_range_without_gaps()
    {
        var last = LatencyHistogram.IndexOf(LatencyHistogram.MaxValue);
        for (var i = 0; i < last; i++)
        {
            var top = LatencyHistogram.UpperBoundOf(i);
            Assert.Equal(i, LatencyHistogram.IndexOf(top));
            Assert.Equal(i + 1, LatencyHistogram.IndexOf(top + 1));
        }
    }

    [Fact]
    public void Merging_keeps_counts_and_extremes()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(1_000);
        b.Record(5);
        b.Record(3_000_000);

        a.Add(b);

        Assert.Equal(3, a.Count);
        Assert.Equal(5, a.Min);
        Assert.Equal(3_000_000, a.Max);
        Assert.Equal(3_000_000, a.Percentile(100));
    }
}
