namespace Notify.Outbox.Claiming;

/// <summary>
/// What became of one claimed delivery, written back by <see cref="DeliveryStore.CompleteAsync"/>.
/// <paramref name="TenantId"/> is the delivery's tenant as claimed (its attempts are written
/// under it). <paramref name="Status"/> is the new status (SENT, RETRYING, DEAD, EXPIRED, CANCELLED);
/// <paramref name="Attempts"/> are the provider calls this claim made: none (expired, handed
/// back), one, or one per provider when a transient failure failed over to the next.
/// </summary>
public sealed record DeliveryCompletion(
    Guid Id,
    Guid TenantId,
    long LeaseToken,
    string Status,
    DateTime? NextAttemptAt,
    string? Provider,
    string? ProviderMessageId,
    string? ErrorCode,
    string? ErrorMessage,
    IReadOnlyList<AttemptRecord> Attempts)
{
    /// <summary>Set when the recipient goes onto the tenant's suppression list with this reason.</summary>
    public string? SuppressReason { get; init; }
}

/// <summary>One provider call, for <c>delivery_attempts</c>.</summary>
public sealed record AttemptRecord(
    int AttemptNumber,
    string WorkerId,
    string Provider,
    DateTime StartedAt,
    int DurationMs,
    string Outcome,
    int? HttpStatus,
    string? ErrorCode,
    string? ErrorMessage,
    string? ProviderMessageId,
    string? ResponseExcerpt = null);
