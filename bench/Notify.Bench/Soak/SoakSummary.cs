using System.Globalization;
using System.Text;

namespace Notify.Bench.Soak;

/// <summary>Start/end/max of one process's memory and whether it stayed flat after the warm-up.</summary>
internal sealed record MemoryTrend(
    string Process, double RssStartMiB, double RssEndMiB, double RssMaxMiB, double RssGrowthPercent, double RssSlopeMiBPerMinute, double RssFittedRisePercent,
    double? HeapStartMiB, double? HeapEndMiB, double? HeapMaxMiB, double? HeapSlopeMiBPerMinute, bool Flat);

/// <summary>p50/p95/max of a set of seconds.</summary>
internal sealed record Percentiles(int Count, double P50, double P95, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Percentiles(0, 0, 0, 0);
        }
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Percentiles(sorted.Length, At(0.5), At(0.95), sorted[^1]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50:0.###} s, p95 {P95:0.###} s, max {Max:0.###} s ({Count} samples)");
}

/// <summary>
/// The soak's figures from its samples. <b>Flat memory</b>, as used here: over the samples
/// after the warm-up, the least-squares line through RSS rises by less than 10 % of the mean
/// RSS across that window (slope × window length). A fit, not two end points, so a GC's
/// sawtooth does not decide it; the change between the first and last minute is reported too.
/// </summary>
internal static class SoakSummary
{
    public const double FlatGrowthPercent = 10;

    public static IReadOnlyList<MemoryTrend> Memory(IReadOnlyList<MemorySample> samples, double warmupSeconds, double loadEndSeconds)
    {
        var trends = new List<MemoryTrend>();
        foreach (var group in samples.Where(s => s.Seconds <= loadEndSeconds).GroupBy(s => s.Process))
        {
            var all = group.OrderBy(s => s.Seconds).ToList();
            var steady = all.Where(s => s.Seconds >= warmupSeconds).ToList();
            if (steady.Count < 2)
            {
                steady = all;
            }
            var first = steady.Where(s => s.Seconds < steady[0].Seconds + 60).Average(s => s.RssMiB);
            var last = steady.Where(s => s.Seconds > steady[^1].Seconds - 60).Average(s => s.RssMiB);
            var growth = (last - first) / first * 100;
            var slope = Slope(steady.Select(s => (s.Seconds, s.RssMiB)));
            var windowMinutes = (steady[^1].Seconds - steady[0].Seconds) / 60;
            var fittedRise = slope * windowMinutes / steady.Average(s => s.RssMiB) * 100;
            var heaps = all.Where(s => s.GcHeapMiB is not null).ToList();
            var steadyHeaps = steady.Where(s => s.GcHeapMiB is not null).ToList();
            trends.Add(new MemoryTrend(
                group.Key, all[0].RssMiB, all[^1].RssMiB, all.Max(s => s.RssMiB), growth, slope, fittedRise,
                heaps.FirstOrDefault()?.GcHeapMiB, heaps.LastOrDefault()?.GcHeapMiB, heaps.Count > 0 ? heaps.Max(s => s.GcHeapMiB) : null,
                steadyHeaps.Count >= 2 ? Slope(steadyHeaps.Select(s => (s.Seconds, s.GcHeapMiB!.Value))) : null,
                fittedRise < FlatGrowthPercent));
        }
        return trends;
    }

    /// <summary>Least-squares slope of (seconds, MiB), in MiB per minute.</summary>
    public static double Slope(IEnumerable<(double Seconds, double Value)> points)
    {
        var list = points.ToList();
        if (list.Count < 2)
        {
            return 0;
        }
        var meanX = list.Average(p => p.Seconds);
        var meanY = list.Average(p => p.Value);
        var numerator = list.Sum(p => (p.Seconds - meanX) * (p.Value - meanY));
        var denominator = list.Sum(p => (p.Seconds - meanX) * (p.Seconds - meanX));
        return denominator == 0 ? 0 : numerator / denominator * 60;
    }

    public static string MemoryCsv(IEnumerable<MemorySample> samples)
    {
        var csv = new StringBuilder("seconds,process,pid,rss_mib,gc_heap_mib\n");
        foreach (var s in samples)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{s.Seconds:0.0},{s.Process},{s.Pid},{s.RssMiB:0.0},{s.GcHeapMiB:0.0}\n");
        }
        return csv.ToString();
    }

    public static string QueueCsv(IEnumerable<QueueSample> samples)
    {
        var csv = new StringBuilder("seconds,channel,due_unclaimed,lag_seconds,waiting_retry_or_scheduled,sending\n");
        foreach (var s in samples)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{s.Seconds:0.0},{s.Channel},{s.Due},{s.LagSeconds:0.000},{s.Waiting},{s.Sending}\n");
        }
        return csv.ToString();
    }

    public static string StatusCsv(IEnumerable<StatusSample> samples, IReadOnlyList<string> statuses)
    {
        var csv = new StringBuilder("seconds,load_average_1m," + string.Join(',', statuses.Select(s => s.ToLowerInvariant())) + ",sent_in_interval,accept_to_sent_p50_s,accept_to_sent_p95_s,accept_to_sent_max_s\n");
        foreach (var s in samples)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{s.Seconds:0.0},{s.LoadAverage:0.00},");
            csv.Append(string.Join(',', statuses.Select(x => s.ByStatus.GetValueOrDefault(x).ToString(CultureInfo.InvariantCulture))));
            csv.Append(CultureInfo.InvariantCulture, $",{s.SentInInterval},{s.SentP50:0.000},{s.SentP95:0.000},{s.SentMax:0.000}\n");
        }
        return csv.ToString();
    }

    /// <summary>The machine's 1-minute load average, from /proc/loadavg.</summary>
    public static double? ReadLoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
