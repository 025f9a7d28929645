namespace Notify.Outbox.Receipts;

/// <summary>
/// Whether a receipt event is about the message a delivery sent. A receipt names its delivery by
/// Notify's own id, which the provider echoes; the provider's message id must agree with the one
/// the worker recorded from the send's answer, so a receipt can move only the delivery it belongs
/// to, never another one (another tenant's) whose id it carries.
/// </summary>
public static class ReceiptMessageIds
{
    /// <summary>
    /// True when <paramref name="received"/> is the message <paramref name="recorded"/> names:
    /// equal, or SendGrid's per-recipient <c>sg_message_id</c>, which is the send's
    /// <c>X-Message-Id</c> followed by <c>.</c> and a suffix. When nothing is recorded yet (the
    /// send's answer is still being committed, or the provider answered without an id) there is
    /// nothing to disagree with. An event without a message id for a delivery that has one does
    /// not match: it cannot show that it belongs to that delivery.
    /// </summary>
    public static bool Match(string? recorded, string? received)
    {
        if (recorded is null)
        {
            return true;
        }
        if (received is null)
        {
            return false;
        }
        return received.Length == recorded.Length
            ? string.Equals(received, recorded, StringComparison.Ordinal)
            : received.Length > recorded.Length && received[recorded.Length] == '.' && received.StartsWith(recorded, StringComparison.Ordinal);
    }
}
