using System.Diagnostics;
using Grpc.Core;
using Notify.Bench.Recording;

namespace Notify.Bench.Load;

/// <summary>
/// Closed loop: each caller sends its next call as soon as the last one answers, so the
/// offered load is whatever the server sustains. Latency runs from send to answer, and a call
/// counts when its answer arrives inside the window.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(
        IReadOnlyList<INotifyCaller> callers, Metadata headers, TimeSpan warmup, TimeSpan duration, TimeSpan timeout, CancellationToken stopping)
    {
        var window = MeasurementWindow.StartingNow(warmup, duration);
        var stats = callers.Select(_ => new CallerStats()).ToArray();
        await Task.WhenAll(callers.Select((caller, i) => Task.Run(() => CallUntilAsync(caller, stats[i], window, headers, timeout, stopping))));

        var totals = new CallerStats();
        foreach (var s in stats)
        {
            totals.Add(s);
        }

        var measuredUntil = Math.Min(Stopwatch.GetTimestamp(), window.Until);
        return new LoadResult(totals, Math.Max(0, MeasurementWindow.Seconds(measuredUntil - window.From)), 0, stopping.IsCancellationRequested);
    }

    private static async Task CallUntilAsync(
        INotifyCaller caller, CallerStats stats, MeasurementWindow window, Metadata headers, TimeSpan timeout, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var sent = Stopwatch.GetTimestamp();
            if (sent >= window.Until)
            {
                return;
            }

            try
            {
                var outcome = await caller.CallAsync(new CallOptions(headers, DateTime.UtcNow + timeout, stopping));
                var answered = Stopwatch.GetTimestamp();
                if (window.Contains(answered))
                {
                    stats.CountSuccess(outcome);
                    stats.Latency.Record(MeasurementWindow.Micros(answered - sent));
                }
            }
            catch (Exception e) when (!CallFailure.IsOurCancellation(e, stopping))
            {
                CallFailure.Record(e, stats, window);
            }
            catch (Exception)
            {
                return;
            }
        }
    }
}
