using Notify.Outbox.Claiming;

namespace Notify.Delivery.Providers;

/// <summary>One provider of a channel (SendGrid, SMTP, Twilio…): makes one call for one delivery.</summary>
public interface IDeliveryProvider
{
    /// <summary>The provider's name as stored in <c>deliveries.provider</c>, e.g. <c>sendgrid</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Sends one delivery with its <paramref name="content"/> (inline, or the template rendered
    /// for this channel and locale). Classifies the provider's answer instead of throwing for
    /// it; an exception means the call failed in transit (treated as retryable).
    /// </summary>
    Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Notify.Grpc.V1.Content content, CancellationToken cancellationToken);

    /// <summary>
    /// What the provider's rate limit counts against for this delivery: the account and
    /// sender (SMS number, WhatsApp phone-number id), or the endpoint for webhooks.
    /// </summary>
    string RateLimitKey(ClaimedDelivery delivery) => Name;

    /// <summary>
    /// Which circuit breaker a delivery's calls count against. The default, the provider's
    /// name, is one circuit for the provider (SendGrid is up or down for everyone); webhooks
    /// return the endpoint, so one tenant's failing endpoint does not stop the others'.
    /// Only provider-wide circuits stop the worker claiming; a delivery behind an open
    /// keyed circuit is handed back until that circuit lets a probe through.
    /// </summary>
    string CircuitKey(ClaimedDelivery delivery) => Name;

    /// <summary>
    /// Whether this provider serves the delivery at all (Push: FCM takes Android tokens,
    /// APNs Apple ones). Providers that do not are skipped, not failed over to.
    /// </summary>
    bool Handles(ClaimedDelivery delivery) => true;
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

    /// <summary>
    /// No call was made and none should be yet (a quota such as WhatsApp's 24-hour tier is
    /// spent): the delivery is handed back, due after <see cref="ProviderResult.RetryAfter"/>,
    /// without using an attempt.
    /// </summary>
    Deferred,
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
    /// <summary>
    /// The provider said we are sending too fast (HTTP 429, WhatsApp 130429…): every replica
    /// holds back sends under this delivery's rate-limit key until <see cref="RetryAfter"/>
    /// (or a second) has passed, not only this delivery.
    /// </summary>
    public bool Throttled { get; init; }

    /// <summary>
    /// The start of the provider's response body, kept with the attempt for whoever
    /// debugs a failing endpoint (webhooks). Truncated by the provider; never a message body.
    /// </summary>
    public string? ResponseExcerpt { get; init; }

    /// <summary>
    /// The recipient must never be contacted again (a push token the platform no longer
    /// knows, a webhook endpoint that answered 410 Gone): the address goes onto the tenant's
    /// suppression list with this reason, so later sends to it are SKIPPED.
    /// </summary>
    public string? SuppressReason { get; init; }

    /// <summary>A deferral: no call made, due again after <paramref name="wait"/>.</summary>
    public static ProviderResult Defer(TimeSpan wait, string code, string message) => new(ProviderOutcome.Deferred, ErrorCode: code, ErrorMessage: message, RetryAfter: wait);

    public static ProviderResult Sent(string providerMessageId, int? httpStatus = null) => new(ProviderOutcome.Sent, providerMessageId, HttpStatus: httpStatus);
}
