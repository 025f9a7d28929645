namespace Notify.Outbox.Writing;

/// <summary>What became of one notification handed to the <see cref="OutboxWriter"/>.</summary>
public abstract record WriteOutcome;

/// <summary>
/// Committed (or, with <paramref name="Replayed"/>, committed earlier under the same
/// idempotency key with the same request). Deliveries are in the order they were given.
/// </summary>
public sealed record Accepted(Guid NotificationId, IReadOnlyList<WrittenDelivery> Deliveries, bool Replayed) : WriteOutcome;

/// <summary>The idempotency key was used before for a different request; nothing was written.</summary>
public sealed record KeyConflict(Guid ExistingNotificationId) : WriteOutcome;

/// <summary>The database refused this notification's data; nothing of it was written.</summary>
public sealed record Rejected(string Reason, bool Retryable = false) : WriteOutcome;

public sealed record WrittenDelivery(Guid Id, string Channel, string Recipient, string Status, string? SkipReason);
