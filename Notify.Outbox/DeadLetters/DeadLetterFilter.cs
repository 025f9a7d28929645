namespace Notify.Outbox.DeadLetters;

/// <summary>
/// Which dead letters a listing covers. Every field is optional; <see cref="From"/> is inclusive and
/// <see cref="To"/> exclusive, both compared with the time the delivery died (<c>updated_at</c>).
/// </summary>
public sealed record DeadLetterFilter(
    Guid? TenantId = null,
    string? Channel = null,
    string? ErrorCode = null,
    DateTime? From = null,
    DateTime? To = null);

/// <summary>The dead letters of one channel with one last error code (null when the delivery died without one).</summary>
public sealed record DeadLetterGroup(string Channel, string? ErrorCode, long Count, DateTime LastOccurredAt);

/// <summary>A delivery looked up for <c>dlq show</c>, with every attempt it made (oldest first).</summary>
/// <remarks>
/// The recipient is unmasked: this is for the admin API, which decides what to show; never log it
/// (see <see cref="Privacy.RecipientMask"/>).
/// </remarks>
public sealed record DeadLetter(Guid TenantId, Guid NotificationId, Reading.DeliveryView Delivery)
{
    /// <summary>Whether it is still dead; a replayed delivery is shown too, with its new status.</summary>
    public bool IsDead => Delivery.Status == DeliveryStatuses.Dead;
}
