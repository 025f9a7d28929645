using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// Signs Event Webhook POSTs as SendGrid's Signed Event Webhook does: ECDSA P-256 over SHA-256 of
/// UTF-8(timestamp) followed by the raw body, DER-encoded (<c>SEQUENCE{r,s}</c>, not .NET's
/// default r‖s), with the timestamp of the moment of sending, so a resend carries a fresh one.
/// </summary>
public sealed class SendGridEventSigner : IReceiptSigner, IDisposable
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    private readonly ECDsa? _key;
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;

    public SendGridEventSigner(IOptions<SandboxOptions> options, TimeProvider time)
    {
        _time = time;
        // Validated at start (ReceiptOptionsValidation): here it is a P-256 key or absent.
        if (options.Value.Receipts.SendGrid.SigningKey is { Length: > 0 } key)
        {
            _key = SendGridSigningKey.Import(key);
        }
    }

    /// <summary>False while no key is configured: events go out unsigned, as with signing switched off at SendGrid.</summary>
    public bool IsEnabled => _key is not null;

    public IEnumerable<KeyValuePair<string, string>> Sign(Receipt receipt)
    {
        if (_key is null)
        {
            return [];
        }
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        byte[] signature;
        // An ECDsa instance is not documented as safe for concurrent use.
        lock (_lock)
        {
            signature = _key.SignData([.. Encoding.UTF8.GetBytes(timestamp), .. receipt.Body],
                HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        return [new(SignatureHeader, Convert.ToBase64String(signature)), new(TimestampHeader, timestamp)];
    }

    public void Dispose() => _key?.Dispose();
}
