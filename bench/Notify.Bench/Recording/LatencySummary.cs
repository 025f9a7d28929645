namespace Notify.Bench.Recording;

/// <summary>Percentiles of one histogram in milliseconds, as reported.</summary>
internal sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary From(LatencyHistogram histogram) => new(
        histogram.Count,
        Ms(histogram.Mean),
        Ms(histogram.Percentile(50)),
        Ms(histogram.Percentile(90)),
        Ms(histogram.Percentile(99)),
        Ms(histogram.Percentile(99.9)),
        Ms(histogram.Max));

    private static double Ms(double micros) => Math.Round(micros / 1000.0, 3);
}
