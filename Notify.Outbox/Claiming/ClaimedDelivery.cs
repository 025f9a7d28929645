namespace Notify.Outbox.Claiming;

/// <summary>
/// A delivery a worker holds a lease on, with what it needs to send it. The
/// <see cref="LeaseToken"/> must be presented to complete it: if the lease expired and
/// another worker claimed the row since, the token no longer matches and the completion
/// is refused.
/// </summary>
public sealed record ClaimedDelivery(
    Guid Id,
    Guid NotificationId,
    Guid TenantId,
    string Channel,
    string Recipient,
    string? Platform,
    int AttemptCount,
    int MaxAttempts,
    long LeaseToken,
    DateTime LockExpiresAt,
    DateTime? ExpiresAt,
    int? TemplateVersion,
    string? TemplateId,
    string? Locale,
    byte[]? Params,
    byte[]? Content,
    string? Traceparent)
{
    /// <summary>
    /// The locale the template resolved to at ingest (with <see cref="TemplateVersion"/>, the
    /// exact row to render); <see cref="Locale"/> is the one the caller asked for.
    /// </summary>
    public string? TemplateLocale { get; init; }

    /// <summary>When the caller asked for it to be sent (null: at once).</summary>
    public DateTime? SendAt { get; init; }

    /// <summary>When it became due: accepted by the ingress, or its send_at if later.</summary>
    public DateTime DueSince
    {
        get
        {
            var accepted = UuidV7.Timestamp(NotificationId).UtcDateTime;
            return SendAt is { } sendAt && sendAt > accepted ? sendAt : accepted;
        }
    }

    /// <summary>The number the provider call about to be made will have (1 for the first).</summary>
    public int AttemptNumber => AttemptCount + 1;
}
