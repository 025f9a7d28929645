using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// Takes every accepted message that will get delivery receipts, with what its send request said
/// that the receipts echo (<see cref="ReceiptContext"/>). It must never block the provider
/// endpoint that calls it: receipts are queued and POSTed later by a background sender.
/// </summary>
public interface IReceiptScheduler
{
    void MessageAccepted(RecordedMessage message, ReceiptContext context);
}
