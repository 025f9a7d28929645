namespace Notify.Outbox.Receipts;

/// <summary>What a provider's receipt says about the message it names.</summary>
public enum ReceiptKind
{
    /// <summary>Moves nothing: opened, clicked, read, deferred, an unsubscribe after delivery…</summary>
    Informational,

    /// <summary>The provider has the message (SendGrid <c>processed</c>, Twilio and WhatsApp <c>sent</c>).</summary>
    Sent,

    /// <summary>The provider handed it over (to the receiving mail server, the handset).</summary>
    Delivered,

    /// <summary>The provider could not deliver it (bounce, dropped, undelivered, failed).</summary>
    Failed,
}

/// <summary>
/// One event of a verified receipt, as a channel's receipt endpoint parsed it. The delivery is
/// named by Notify's own id where the provider echoes it (SendGrid custom args, the Twilio
/// callback URL, WhatsApp's <c>biz_opaque_callback_data</c>), so applying it is a primary-key
/// lookup; <see cref="ProviderMessageId"/> is kept for the operator.
/// </summary>
public sealed record ReceiptEvent(
    string? EventId,
    string EventType,
    ReceiptKind Kind,
    Guid? DeliveryId,
    string? ProviderMessageId,
    DateTimeOffset? OccurredAt)
{
    /// <summary>The provider's error code (Twilio <c>30003</c>, WhatsApp <c>131026</c>, SendGrid's SMTP status).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The provider's reason, as it worded it.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Set when the address must not be contacted again: <c>hard_bounce</c>, <c>spam_report</c>, <c>unsubscribe</c>, <c>stop</c>, <c>marketing_opt_out</c>.</summary>
    public string? SuppressReason { get; init; }
}

/// <summary>What recording one event did.</summary>
public sealed record ReceiptResult(ReceiptEvent Event, string Outcome, string? StatusAfter)
{
    /// <summary>The notification's stored trace context, so the receipt's span joins the message's trace.</summary>
    public string? Traceparent { get; init; }

    /// <summary>Set on receipts applied by the sweeper, which serves every provider of the channel.</summary>
    public string? Provider { get; init; }
}

/// <summary>The values of <c>receipt_events.outcome</c>.</summary>
public static class ReceiptOutcomes
{
    public const string Applied = "applied";
    public const string Stale = "stale";
    public const string Waiting = "waiting";
    public const string Informational = "informational";
    public const string UnknownDelivery = "unknown_delivery";

    /// <summary>The delivery named has recorded another provider message id (or the event carries none): not its receipt.</summary>
    public const string MessageMismatch = "message_mismatch";
    public const string NotSent = "not_sent";
    public const string Duplicate = "duplicate";   // reported to the caller only: a duplicate is not stored again
    public const string Refused = "refused";
}
