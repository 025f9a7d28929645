using Microsoft.Extensions.Options;
using Notify.Outbox.Retention;

namespace Notify.Ingress.Retention;

/// <summary>
/// Runs the retention cleanup every <see cref="RetentionOptions.Interval"/> on every ingress
/// replica; the cleaner's advisory lock lets one of them work at a time and the others skip that
/// tick. The first run comes shortly after start rather than one interval after it, so that a
/// service redeployed more often than the interval still cleans up.
/// </summary>
internal sealed partial class RetentionScheduler(
    RetentionCleaner cleaner, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionScheduler> logger) : BackgroundService
{
    /// <summary>The longest wait before the first run: lets start-up traffic settle first.</summary>
    private static readonly TimeSpan FirstRunDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Scheduled)
        {
            LogDisabled(logger);
            return;
        }

        var run = RetentionRun.From(settings);
        var delay = settings.Interval < FirstRunDelay ? settings.Interval : FirstRunDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken);
                delay = settings.Interval;
                // A run stopped by MaxBatches continues at the next interval: MaxBatches bounds the
                // load per interval, also while a backlog is worked off (an operator's `cleanup run`
                // can go faster).
                await cleaner.RunAsync(run, progress: null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Scheduled retention is off (Notify:Retention:Enabled or Interval)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Retention run failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
