using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// Extension point for delivery receipts (the next issue): every accepted message is handed here
/// with the callback its request named (Twilio <c>StatusCallback</c>; SendGrid and WhatsApp use a
/// configured webhook URL). An implementation would queue it and later POST the provider's signed
/// receipt (SendGrid ECDSA events, Twilio X-Twilio-Signature, Meta X-Hub-Signature-256).
/// </summary>
public interface IReceiptScheduler
{
    void MessageAccepted(RecordedMessage message, Uri? callback);
}

/// <summary>Sends no receipts; registered until the receipt issue replaces it.</summary>
public sealed class NoReceipts : IReceiptScheduler
{
    public void MessageAccepted(RecordedMessage message, Uri? callback)
    {
    }
}
