using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Notify.Receipts;

/// <summary>
/// Applies receipts that arrived while their delivery was still <c>SENDING</c>: the provider
/// can report a message delivered before the worker has committed that the provider took it.
/// Such a receipt is stored as <c>waiting</c> and applied here once the commit is in (or once
/// the reaper has taken back a lease that ran out). Runs on every replica; rows are shared out
/// with SKIP LOCKED.
/// </summary>
public sealed partial class ReceiptSweeper(
    ReceiptProcessor processor, ReceiptChannel channel, IOptions<ReceiptOptions> options, TimeProvider time,
    ILogger<ReceiptSweeper> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WaitingSweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await processor.ApplyWaitingAsync(channel.Name, BatchSize, stoppingToken) == BatchSize)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, channel.Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying waiting {Channel} receipts failed; retrying at the next tick.")]
    private static partial void LogFailed(ILogger logger, string channel, Exception exception);
}

/// <summary>The channel a process receives receipts for.</summary>
public sealed record ReceiptChannel(string Name);
