namespace Notify.Outbox.Receipts;

/// <summary>
/// The part of the delivery status machine that receipts drive. Receipts only move a delivery
/// forward: <c>DELIVERED</c> and <c>FAILED</c> are final, so a late <c>sent</c> or an
/// out-of-order <c>delivered</c> never overwrites them.
/// </summary>
/// <remarks>
/// A receipt can also settle a delivery the worker gave up on or is about to retry: a call that
/// timed out may still have reached the provider, and its <c>sent</c> or <c>delivered</c>
/// receipt then stops the retry (<c>RETRYING</c>, <c>DEAD</c>, <c>EXPIRED</c> → <c>SENT</c> or
/// <c>DELIVERED</c>), which is one duplicate fewer. A receipt for a delivery still
/// <c>SENDING</c> arrived before the worker committed the provider's answer: it waits and is
/// applied once that commit is in.
/// </remarks>
public static class ReceiptTransitions
{
    public static (string? NewStatus, string Outcome) Decide(string status, ReceiptKind kind)
    {
        if (kind == ReceiptKind.Informational)
        {
            return (null, ReceiptOutcomes.Informational);
        }
        return status switch
        {
            DeliveryStatuses.Sending => (null, ReceiptOutcomes.Waiting),
            DeliveryStatuses.Pending or DeliveryStatuses.Skipped => (null, ReceiptOutcomes.NotSent),
            DeliveryStatuses.Delivered or DeliveryStatuses.Failed => (null, ReceiptOutcomes.Stale),
            _ => kind switch
            {
                ReceiptKind.Delivered => Move(DeliveryStatuses.Delivered),
                ReceiptKind.Failed when status is DeliveryStatuses.Sent or DeliveryStatuses.Retrying => Move(DeliveryStatuses.Failed),
                ReceiptKind.Sent when status is DeliveryStatuses.Retrying or DeliveryStatuses.Dead or DeliveryStatuses.Expired
                    => Move(DeliveryStatuses.Sent),
                _ => (null, ReceiptOutcomes.Stale),
            },
        };

        static (string?, string) Move(string to) => (to, ReceiptOutcomes.Applied);
    }
}
