namespace Notify.Outbox.Reading;

public sealed record NotificationView(
    Guid Id,
    string IdempotencyKey,
    short Priority,
    string? CorrelationId,
    string? MetadataJson,
    string? TemplateId,
    string? Locale,
    DateTime CreatedAt,
    DateTime? SendAt,
    DateTime? ExpiresAt,
    IReadOnlyList<DeliveryView> Deliveries);

public sealed record DeliveryView(
    Guid Id,
    string Channel,
    string Recipient,
    string Status,
    int AttemptCount,
    int MaxAttempts,
    DateTime NextAttemptAt,
    string? Provider,
    string? ProviderMessageId,
    string? LastErrorCode,
    string? LastErrorMessage,
    string? SkipReason,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? SentAt,
    DateTime? DeliveredAt,
    int? TemplateVersion,
    IReadOnlyList<AttemptView> Attempts)
{
    /// <summary>Provider receipts about this delivery, in the order received.</summary>
    public IReadOnlyList<ReceiptView> Receipts { get; init; } = [];
}

public sealed record ReceiptView(string Provider, string Event, string Outcome, string? ErrorCode, DateTime? OccurredAt, DateTime ReceivedAt);

public sealed record AttemptView(
    int AttemptNumber,
    string Provider,
    string Outcome,
    int? HttpStatus,
    string? ErrorCode,
    string? ErrorMessage,
    string? ProviderMessageId,
    DateTime StartedAt,
    int DurationMs);
