using Notify.Outbox.Receipts;

namespace Notify.Receipts;

/// <summary>
/// One provider's receipt webhook: how its requests are authenticated and what their events
/// mean. The pipeline (<see cref="ReceiptEndpoint"/>) does the rest the same way for every
/// provider: size limit, refusal accounting, storing, metrics and traces.
/// </summary>
public interface IReceiptProvider
{
    /// <summary>The channel whose deliveries the receipts are about.</summary>
    string Channel { get; }

    /// <summary>The provider name, as in <c>deliveries.provider</c> (<c>sendgrid</c>, <c>twilio</c>, <c>whatsapp</c>).</summary>
    string Provider { get; }

    /// <summary>Checks the request's signature (and timestamp, where the provider signs one) over the raw body.</summary>
    ReceiptVerdict Verify(ReceiptRequest request);

    /// <summary>
    /// The events of a verified request. Throws <see cref="MalformedReceiptException"/> when the
    /// body is not the provider's format.
    /// </summary>
    IReadOnlyList<ReceiptEvent> Parse(ReceiptRequest request);
}

/// <summary>A verified body that is not what the provider sends.</summary>
public sealed class MalformedReceiptException(string message) : Exception(message);
