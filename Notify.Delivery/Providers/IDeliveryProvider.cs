using Notify.Outbox.Claiming;

namespace Notify.Delivery.Providers;

/// <summary>One provider of a channel (SendGrid, SMTP, Twilio…): makes one call for one delivery.</summary>
public interface IDeliveryProvider
{
    /// <summary>The provider's name as stored in <c>deliveries.provider</c>, e.g. <c>sendgrid</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Sends one delivery. Classifies the provider's answer instead of throwing for it;
    /// an exception means the call failed in transit (treated as retryable).
    /// </summary>
    Task<ProviderResult> SendAsync(ClaimedDelivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// What the provider's rate limit counts against for this delivery: the account and
    /// sender (SMS number, WhatsApp phone-number id), or the endpoint for webhooks.
    /// </summary>
    string RateLimitKey(ClaimedDelivery delivery) => Name;
}

public enum ProviderOutcome
{
    /// <summary>The provider accepted the message.</summary>
    Sent,

    /// <summary>Try again later (429, 5xx, timeouts).</summary>
    Retryable,

    /// <summary>Will never succeed (invalid recipient, rejected content): dead-letter it.</summary>
    Permanent,

    /// <summary>Our credentials were refused: retried, since an operator can fix them.</summary>
    Credentials,
}

/// <summary>The classified answer of one provider call.</summary>
public sealed record ProviderResult(
    ProviderOutcome Outcome,
    string? ProviderMessageId = null,
    string? ErrorCode = null,
    string? ErrorMessage = null,
    int? HttpStatus = null,
    TimeSpan? RetryAfter = null)
{
    public static ProviderResult Sent(string providerMessageId, int? httpStatus = null) => new(ProviderOutcome.Sent, providerMessageId, HttpStatus: httpStatus);
}
