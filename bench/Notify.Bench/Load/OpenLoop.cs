using System.Diagnostics;
using Grpc.Core;
using Notify.Bench.Recording;

namespace Notify.Bench.Load;

/// <summary>
/// Open loop: call k is due at <c>start + k / rate</c> whatever happened to earlier calls, and
/// any free caller takes the next due call. When the server slows down, calls wait for a
/// caller and that wait is counted in their latency (measured from the due time, not from
/// the send), so a stall shows in the percentiles instead of silently lowering the offered
/// load — the coordinated-omission trap of closed loops.
/// </summary>
internal static class OpenLoop
{
    // A timer wakes up to ~1 ms late; sending up to 1 ms early instead keeps the schedule
    // on average. An early call's latency runs from its actual send, so it is never flattered.
    private static readonly long EarlyTolerance = Stopwatch.Frequency / 1000;

    // After the window, callers keep sending calls that were due inside it for this long,
    // so a backlog still pays its latency; what is left after that is reported as unsent.
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(5);

    // During the warmup a cold start (JIT, connection setup) falls behind schedule, and
    // that debt would otherwise be paid inside the window as latency the server did not
    // cause. Warmup calls this late are skipped instead; calls due in the window never are.
    private static readonly long WarmupSkipLag = Stopwatch.Frequency / 100;

    public static async Task<LoadResult> RunAsync(
        IReadOnlyList<INotifyCaller> callers, Metadata headers, double rate, TimeSpan warmup, TimeSpan duration, TimeSpan timeout, CancellationToken stopping)
    {
        var window = MeasurementWindow.StartingNow(warmup, duration);
        var schedule = new Schedule(window, Stopwatch.Frequency / rate);
        var stats = callers.Select(_ => new CallerStats()).ToArray();
        var sentInWindow = new long[callers.Count];
        await Task.WhenAll(callers.Select((caller, i) =>
            Task.Run(() => CallOnScheduleAsync(caller, schedule, stats[i], sentInWindow, i, headers, timeout, stopping))));

        var totals = new CallerStats();
        foreach (var s in stats)
        {
            totals.Add(s);
        }

        var measuredUntil = Math.Min(Stopwatch.GetTimestamp(), window.Until);
        var unsent = stopping.IsCancellationRequested ? 0 : Math.Max(0, schedule.DueInWindow - sentInWindow.Sum());
        return new LoadResult(totals, Math.Max(0, MeasurementWindow.Seconds(measuredUntil - window.From)), unsent, stopping.IsCancellationRequested);
    }

    private static async Task CallOnScheduleAsync(
        INotifyCaller caller, Schedule schedule, CallerStats stats, long[] sentInWindow, int index,
        Metadata headers, TimeSpan timeout, CancellationToken stopping)
    {
        var window = schedule.Window;
        var stopSendingAt = window.Until + MeasurementWindow.Ticks(DrainGrace);
        while (!stopping.IsCancellationRequested)
        {
            var due = schedule.TakeNext();
            if (due >= window.Until || Stopwatch.GetTimestamp() >= stopSendingAt)
            {
                return;
            }

            var wait = due - Stopwatch.GetTimestamp();
            if (due < window.From && -wait > WarmupSkipLag)
            {
                continue;
            }

            if (wait > EarlyTolerance)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(MeasurementWindow.Seconds(wait - EarlyTolerance)), stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var sent = Stopwatch.GetTimestamp();
            var measured = window.Contains(due);
            if (measured)
            {
                sentInWindow[index]++;
                stats.RecordStartLag(MeasurementWindow.Micros(Math.Max(0, sent - due)));
            }

            try
            {
                var outcome = await caller.CallAsync(new CallOptions(headers, DateTime.UtcNow + timeout, stopping));
                var answered = Stopwatch.GetTimestamp();
                if (window.Contains(answered))
                {
                    stats.CountSuccess(outcome);
                }

                if (measured)
                {
                    stats.Latency.Record(MeasurementWindow.Micros(answered - Math.Min(due, sent)));
                    stats.ServiceTime.Record(MeasurementWindow.Micros(answered - sent));
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

    /// <summary>The due times, shared by all callers: each <see cref="TakeNext"/> hands out the next one.</summary>
    private sealed class Schedule(MeasurementWindow window, double intervalTicks)
    {
        private long _next = -1;

        public MeasurementWindow Window => window;

        public long TakeNext() => window.Start + (long)(Interlocked.Increment(ref _next) * intervalTicks);

        /// <summary>Calls due in [From, Until).</summary>
        public long DueInWindow => CountDueBefore(window.Until) - CountDueBefore(window.From);

        private long CountDueBefore(long timestamp) => (long)Math.Ceiling((timestamp - window.Start) / intervalTicks);
    }
}
