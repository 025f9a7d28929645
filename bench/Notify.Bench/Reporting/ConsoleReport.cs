using System.Globalization;
using Notify.Bench.Recording;

namespace Notify.Bench.Reporting;

/// <summary>The compact table printed after a run.</summary>
internal static class ConsoleReport
{
    public static void Print(BenchReport r, TextWriter output)
    {
        var settings = r.Settings;
        var shape = string.Join(' ', new[]
        {
            $"loop={r.Loop}",
            settings.BatchSize is { } batch ? $"batch={batch}" : null,
            settings.Rate is { } rate ? $"rate={rate:0.#}/s" : null,
            $"concurrency={settings.Concurrency}",
            $"channels={settings.Channels}",
            $"warmup={settings.WarmupSeconds:0.###}s",
            $"window={r.WindowSeconds:0.00}s",
        }.Where(part => part is not null));

        var rows = new List<(string, string)>
        {
            ("scenario", $"{r.Scenario}  {shape}"),
            ("target", r.SelfTest ? $"{r.Target} (SELF-TEST fake server in this process: measures the client only)" : r.Target),
            ("calls", $"{r.Calls,12:N0}  {r.CallsPerSecond,12:N1} /s   failed {r.FailedCalls:N0}"),
            ("notifications", $"{r.NotificationsAccepted,12:N0}  {r.NotificationsPerSecond,12:N1} /s accepted"),
            ("deliveries", $"{r.DeliveriesAccepted,12:N0}  {r.DeliveriesPerSecond,12:N1} /s accepted"),
            ("cpu", $"{r.ProcessCpuCores:0.00} cores used by this process" + (r.SelfTest ? " (generator and fake server)" : " (the generator)")),
            ("latency ms", Percentiles(r.Latency) + (r.Loop == "open" ? "   (from due time)" : "")),
        };
        if (r.ServiceTime is { } service)
        {
            rows.Add(("service ms", Percentiles(service) + "   (from send)"));
        }

        if (r.Loop == "open")
        {
            rows.Add(("schedule", $"unsent {r.Unsent:N0}, latest send {r.MaxStartLagMs:0.###} ms after due (a large lag means a backlog)"));
        }

        if (r.ItemsRejected > 0 || r.Replayed > 0)
        {
            rows.Add(("items", $"rejected {r.ItemsRejected:N0}, replayed {r.Replayed:N0}"));
        }

        rows.Add(("errors", r.Errors.Count == 0 ? "none" : string.Join("; ", r.Errors.Select(e => $"{e.Code} ×{e.Count:N0}"))));
        foreach (var error in r.Errors)
        {
            rows.Add(($"  {error.Code}", Truncate(error.Sample, 160)));
        }

        if (r.Interrupted)
        {
            rows.Add(("note", "interrupted: partial window"));
        }

        var width = rows.Max(row => row.Item1.Length);
        foreach (var (name, value) in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name.PadRight(width)}  {value}"));
        }
    }

    private static string Percentiles(LatencySummary s) => string.Create(
        CultureInfo.InvariantCulture,
        $"p50 {s.P50Ms,8:0.000}  p90 {s.P90Ms,8:0.000}  p99 {s.P99Ms,8:0.000}  p99.9 {s.P999Ms,8:0.000}  max {s.MaxMs,8:0.000}  (n={s.Count:N0})");

    private static string Truncate(string text, int length) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, length), "…");
}
