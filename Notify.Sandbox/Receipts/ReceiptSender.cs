using Microsoft.Extensions.Options;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// Sends queued receipts in the background: for each message, after <see cref="ReceiptOptions.Delay"/>
/// each receipt in turn, retried on the <see cref="ReceiptOptions.RetryDelays"/> while the receiver
/// answers non-2xx or cannot be reached, then given up and logged. Messages proceed side by side
/// (up to <see cref="ReceiptOptions.MaxConcurrentMessages"/>), so one dead receiver does not hold up the rest.
/// </summary>
public sealed class ReceiptSender(
    ReceiptQueue queue,
    ReceiptPoster poster,
    ReceiptLog log,
    IOptions<SandboxOptions> options,
    TimeProvider time,
    ILogger<ReceiptSender> logger) : BackgroundService
{
    private readonly ReceiptOptions _options = options.Value.Receipts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SandboxLog.ReceiptsConfigured(logger, Describe(options.Value));
        using var slots = new SemaphoreSlim(_options.MaxConcurrentMessages);
        var running = new List<Task>();
        try
        {
            await foreach (var plan in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                running.RemoveAll(t => t.IsCompleted);
                running.Add(SendPlanAsync(plan, slots, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Stopping: the pending delays are cancelled; let every plan notice before the semaphore goes.
        await Task.WhenAll(running);
    }

    private async Task SendPlanAsync(ReceiptPlan plan, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            foreach (var receipt in plan.Receipts)
            {
                await Task.Delay(_options.Delay, time, stoppingToken);
                if (!await SendWithRetriesAsync(receipt, plan.Generation, stoppingToken))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug, not a receiver's failure (those are answers): say so rather than lose the plan silently.
            var first = plan.Receipts[0];
            SandboxLog.ReceiptPlanFailed(logger, first.Provider, first.DeliveryId, Mask(first), ex.GetType().Name);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>False when the plan is void (the sandbox was reset since the message was accepted).</summary>
    private async Task<bool> SendWithRetriesAsync(Receipt receipt, long generation, CancellationToken stoppingToken)
    {
        var retryDelays = _options.EffectiveRetryDelays;
        for (var attempt = 0; ; attempt++)
        {
            if (log.Generation != generation)
            {
                return false;
            }
            var answer = await poster.PostAsync(receipt, stoppingToken);
            if (answer.IsSuccess)
            {
                SandboxLog.ReceiptSent(logger, receipt.Provider, receipt.Event, receipt.DeliveryId, Mask(receipt), answer.Status!.Value, attempt + 1);
                return true;
            }
            if (attempt == retryDelays.Count)
            {
                SandboxLog.ReceiptGivenUp(logger, receipt.Provider, receipt.Event, receipt.DeliveryId, Mask(receipt), attempt + 1, answer.ToString(), Where(receipt));
                return true;
            }
            SandboxLog.ReceiptRetrying(logger, receipt.Provider, receipt.Event, receipt.DeliveryId, Mask(receipt), answer.ToString(), Where(receipt), retryDelays[attempt]);
            await Task.Delay(retryDelays[attempt], time, stoppingToken);
        }
    }

    private static string Describe(SandboxOptions sandbox)
    {
        var receipts = sandbox.Receipts;
        if (!receipts.Enabled)
        {
            return "off (Sandbox:Receipts:Enabled is false)";
        }
        var signed = receipts.SendGrid.SigningKey is { Length: > 0 } ? "signed" : "unsigned: no Sandbox:Receipts:SendGrid:SigningKey";
        var whatsApp = receipts.WhatsApp.AppSecret is { Length: > 0 } ? receipts.WhatsApp.Url : "off: no Sandbox:Receipts:WhatsApp:AppSecret";
        return $"SendGrid events to {receipts.SendGrid.Url} ({signed}); Twilio status callbacks to each message's StatusCallback; WhatsApp statuses to {whatsApp}";
    }

    private static string Mask(Receipt receipt) => RecipientMask.Mask(receipt.Recipient);

    /// <summary>The receiver's URL without its query, which may carry more than a log should.</summary>
    private static string Where(Receipt receipt) =>
        Uri.TryCreate(receipt.Url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : "(invalid URL)";
}
