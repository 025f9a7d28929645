using Notify.Sandbox.Faults;
using Notify.Sandbox.Receipts;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Providers;

/// <summary>
/// What every provider endpoint does around its own protocol: apply injected faults, count
/// rejections, record and log acceptances, and hand accepted messages to the receipt scheduler.
/// </summary>
public sealed class ProviderGate(
    MessageLog messages,
    FaultInjector faults,
    IReceiptScheduler receipts,
    TimeProvider time,
    ILogger<ProviderGate> logger)
{
    /// <summary>The injected failure for this request, or null to carry on. An injected timeout is applied by <see cref="HangFilter"/>.</summary>
    public IResult? InjectFault(IProviderErrors errors, HttpContext http)
    {
        switch (faults.Decide(errors.Provider))
        {
            case FaultDecision.Outage outage:
                var remaining = (int)Math.Ceiling((outage.Until - time.GetUtcNow()).TotalSeconds);
                return Reject(errors.Provider, 503, "injected outage", errors.Unavailable(remaining));
            case FaultDecision.Throttle throttle:
                return Reject(errors.Provider, 429, "injected throttle", errors.Throttled(throttle.RetryAfterSeconds));
            case FaultDecision.ServerError:
                return Reject(errors.Provider, 500, "injected server error", errors.ServerError());
            case FaultDecision.Hang hang:
                SandboxLog.Hanging(logger, errors.Provider, hang.Duration);
                http.Items[HangFilter.ItemKey] = hang.Duration;
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A 429 in the provider's shape when this is the first arrival of a message chosen by
    /// <c>throttleFirstArrivalPercent</c>, or null to carry on.
    /// </summary>
    public IResult? InjectFirstArrivalThrottle(IProviderErrors errors, string? deliveryId)
    {
        if (faults.DecideFirstArrival(errors.Provider, deliveryId) is not FaultDecision.Throttle throttle)
        {
            return null;
        }
        messages.FirstArrivalThrottled(errors.Provider, deliveryId!);
        SandboxLog.Rejected(logger, errors.Provider, 429, "injected throttle of a first arrival");
        return errors.Throttled(throttle.RetryAfterSeconds);
    }

    public bool IsInvalidRecipient(string provider, string recipient) => faults.IsInvalidRecipient(provider, recipient);

    public IResult Reject(string provider, int status, string reason, IResult result)
    {
        Reject(provider, status, reason);
        return result;
    }

    /// <summary>Counts and logs a rejection; <paramref name="status"/> is the HTTP status or SMTP reply code.</summary>
    public void Reject(string provider, int status, string reason)
    {
        messages.Reject(provider);
        SandboxLog.Rejected(logger, provider, status, reason);
    }

    /// <summary>The injected fault for the next request to <paramref name="provider"/>, for protocols that are not HTTP (SMTP).</summary>
    public FaultDecision Decide(string provider) => faults.Decide(provider);

    /// <summary>Records and logs an accepted message and, when <paramref name="receipt"/> says what its receipts echo, schedules them.</summary>
    public RecordedMessage Accept(string provider, string recipient, string? deliveryId, string providerMessageId, ReceiptContext? receipt = null, string? traceparent = null)
    {
        var message = messages.Accept(provider, recipient, deliveryId, providerMessageId, traceparent);
        SandboxLog.Accepted(logger, provider, providerMessageId, RecipientMask.Mask(recipient), deliveryId, message.Arrival);
        if (receipt is not null)
        {
            receipts.MessageAccepted(message, receipt);
        }
        return message;
    }
}
