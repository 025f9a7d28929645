namespace Notify.Outbox;

/// <summary>The values of <c>deliveries.status</c>; see DESIGN.md for the state machine.</summary>
public static class DeliveryStatuses
{
    public const string Pending = "PENDING";
    public const string Sending = "SENDING";
    public const string Sent = "SENT";
    public const string Delivered = "DELIVERED";
    public const string Retrying = "RETRYING";
    public const string Dead = "DEAD";
    public const string Failed = "FAILED";
    public const string Skipped = "SKIPPED";
    public const string Cancelled = "CANCELLED";
    public const string Expired = "EXPIRED";
}
