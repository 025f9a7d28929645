namespace Notify.Outbox.Writing;

/// <summary>A validated notification ready to be written, with one delivery per channel × address.</summary>
public sealed record NewNotification(
    Guid Id,
    Guid TenantId,
    string IdempotencyKey,
    byte[] RequestHash,
    string? TemplateId,
    string? Locale,
    byte[]? Params,
    byte[]? Content,
    short Priority,
    DateTime? SendAt,
    DateTime? ExpiresAt,
    string? CorrelationId,
    string? MetadataJson,
    string? ExternalId,
    string? Traceparent,
    IReadOnlyList<NewDelivery> Deliveries);

public sealed record NewDelivery(
    Guid Id,
    string Channel,
    string Recipient,
    string? Platform,
    int? TemplateVersion,
    int MaxAttempts,
    string? TemplateLocale = null);
