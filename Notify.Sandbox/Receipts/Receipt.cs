namespace Notify.Sandbox.Receipts;

/// <summary>
/// One receipt POST, kept as composed so a retry or a resend repeats it byte for byte: the body,
/// the constant headers (Twilio's idempotency token) and the signer, which adds the signature
/// headers each time it is sent (SendGrid's carry the time of sending).
/// </summary>
public sealed class Receipt(
    string provider,
    string? deliveryId,
    string providerMessageId,
    string recipient,
    string @event,
    string url,
    byte[] body,
    string contentType,
    IReadOnlyList<KeyValuePair<string, string>> headers,
    IReceiptSigner? signer)
{
    public string Provider { get; } = provider;

    public string? DeliveryId { get; } = deliveryId;

    /// <summary>The id the provider answered the send with (SendGrid <c>X-Message-Id</c>, Twilio <c>SM…</c>, WhatsApp <c>wamid.…</c>).</summary>
    public string ProviderMessageId { get; } = providerMessageId;

    /// <summary>Unmasked, for the receiver only: logs use <see cref="Recording.RecipientMask"/>.</summary>
    public string Recipient { get; } = recipient;

    public string Event { get; } = @event;

    /// <summary>Where it goes, as named (a service-discovery name such as <c>http://email/…</c> is resolved per send).</summary>
    public string Url { get; } = url;

    public byte[] Body { get; } = body;

    public string ContentType { get; } = contentType;

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;

    public IReceiptSigner? Signer { get; } = signer;

    /// <summary>The HTTP status of the last answer; null before the first try and when the receiver was unreachable.</summary>
    public int? Status { get; private set; }

    public int Tries { get; private set; }

    /// <summary>When it was last sent.</summary>
    public DateTimeOffset? SentAt { get; private set; }

    /// <summary>Notes one try; <see cref="ReceiptLog"/> calls it under its lock.</summary>
    internal void Tried(int? status, DateTimeOffset at)
    {
        Status = status;
        Tries++;
        SentAt = at;
    }
}

/// <summary>Adds a provider's signature headers to a receipt each time it is sent.</summary>
public interface IReceiptSigner
{
    IEnumerable<KeyValuePair<string, string>> Sign(Receipt receipt);
}

/// <summary>A receipt as <c>GET /sandbox/receipts</c> shows it.</summary>
public sealed record ReceiptView(
    string Provider,
    string? DeliveryId,
    string ProviderMessageId,
    string Event,
    string Url,
    int? Status,
    int Tries,
    DateTimeOffset? SentAt);
