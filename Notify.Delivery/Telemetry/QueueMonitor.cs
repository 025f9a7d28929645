using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notify.Delivery.Engine;
using Notify.Outbox.Reading;

namespace Notify.Delivery.Telemetry;

/// <summary>
/// Reads this process's channel queue every <see cref="DeliveryWorkerOptions.QueueMetricsInterval"/>
/// (one query, see <see cref="QueueStatistics"/>; less often while readings are slow, see
/// <see cref="NextWait"/>) and keeps the reading for the
/// <see cref="QueueGauges"/> and the detailed health view, so neither scrapes nor health probes
/// put load on the database. While the database is away the last reading stays, with its time.
/// </summary>
public sealed partial class QueueMonitor(
    QueueStatistics statistics, IOptions<DeliveryWorkerOptions> options, TimeProvider time, ILogger<QueueMonitor> logger) : BackgroundService
{
    private readonly DeliveryWorkerOptions _options = options.Value;
    private QueueSnapshot? _latest;

    /// <summary>The last successful reading; null until the first one.</summary>
    public QueueSnapshot? Latest => Volatile.Read(ref _latest);

    /// <summary>How often the queue is read.</summary>
    public TimeSpan Interval => _options.QueueMetricsInterval;

    /// <summary>
    /// A reading may take at most this share of the time between readings. Counting a deep
    /// backlog reads every row of it (millions of PENDING rows are most of the partition, so
    /// PostgreSQL scans it), and at a fixed 5 s that cost grows with the backlog: readings
    /// that take longer than 1/50 of the interval push the next one out to 50 times their
    /// duration.
    /// </summary>
    public const int MaxCostFactor = 50;

    /// <summary>The longest wait between readings, in intervals (a minute at the default 5 s): the gauges never get older than that.</summary>
    public const int MaxStretch = 12;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var observed = QueueGauges.Observe(() => Latest);
        var failing = false;
        var previous = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            try
            {
                Volatile.Write(ref _latest, await statistics.ReadAsync(_options.Channel, stoppingToken));
                if (failing)
                {
                    failing = false;
                    LogReadingAgain(logger, _options.Channel);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Usually the database being away (the worker logs that too). Whatever it is, a
                // gauge reader must not take the channel down: say once that the gauges are stale.
                if (!failing)
                {
                    failing = true;
                    LogReadFailed(logger, _options.Channel, ex.GetType().Name);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var took = time.GetElapsedTime(started);
            try
            {
                await Task.Delay(NextWait(_options.QueueMetricsInterval, took, previous), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            previous = took;
        }
    }

    /// <summary>
    /// The wait before the next reading: the interval, or longer (up to <see cref="MaxStretch"/>
    /// intervals) when the last two readings were costly. One slow reading alone (the first
    /// after start-up, compiling and connecting; a pause) says nothing about the query's cost
    /// and stretches nothing.
    /// </summary>
    public static TimeSpan NextWait(TimeSpan interval, TimeSpan lastReading, TimeSpan readingBefore)
    {
        var cost = lastReading < readingBefore ? lastReading : readingBefore;
        var spaced = cost * MaxCostFactor - cost;
        var longest = interval * MaxStretch;
        return spaced > longest ? longest : spaced > interval ? spaced : interval;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning,
        Message = "{Channel}: could not read the queue statistics ({Error}); the queue gauges keep their last reading")]
    private static partial void LogReadFailed(ILogger logger, string channel, string error);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "{Channel}: queue statistics are read again")]
    private static partial void LogReadingAgain(ILogger logger, string channel);
}
