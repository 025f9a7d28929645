using Notify.Outbox;
using Notify.Outbox.Receipts;

namespace Notify.Tests.Receipts;

/// <summary>Receipts move a delivery forward only.</summary>
public sealed class ReceiptTransitionsTests
{
    [Theory]
    [InlineData("SENT", ReceiptKind.Delivered, "DELIVERED", "applied")]
    [InlineData("SENT", ReceiptKind.Failed, "FAILED", "applied")]
    [InlineData("SENT", ReceiptKind.Sent, null, "stale")]
    [InlineData("DELIVERED", ReceiptKind.Sent, null, "stale")]
    [InlineData("DELIVERED", ReceiptKind.Failed, null, "stale")]
    [InlineData("FAILED", ReceiptKind.Delivered, null, "stale")]
    [InlineData("SENDING", ReceiptKind.Delivered, null, "waiting")]
    [InlineData("RETRYING", ReceiptKind.Sent, "SENT", "applied")]
    [InlineData("RETRYING", ReceiptKind.Delivered, "DELIVERED", "applied")]
    [InlineData("DEAD", ReceiptKind.Delivered, "DELIVERED", "applied")]
    [InlineData("DEAD", ReceiptKind.Failed, null, "stale")]
    [InlineData("PENDING", ReceiptKind.Delivered, null, "not_sent")]
    [InlineData("SKIPPED", ReceiptKind.Failed, null, "not_sent")]
    [InlineData("SENT", ReceiptKind.Informational, null, "informational")]
    public void Decides(string status, ReceiptKind kind, string? expectedStatus, string expectedOutcome)
        => Assert.Equal((expectedStatus, expectedOutcome), ReceiptTransitions.Decide(status, kind));

    [Fact]
    public void No_receipt_leaves_a_final_status()
    {
        foreach (var kind in Enum.GetValues<ReceiptKind>())
        {
            Assert.Null(ReceiptTransitions.Decide(DeliveryStatuses.Delivered, kind).NewStatus);
            Assert.Null(ReceiptTransitions.Decide(DeliveryStatuses.Failed, kind).NewStatus);
        }
    }
}
