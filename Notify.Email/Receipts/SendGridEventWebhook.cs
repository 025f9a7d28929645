using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Email.SendGrid;
using Notify.Outbox;
using Notify.Outbox.Receipts;
using Notify.Receipts;

namespace Notify.Email.Receipts;

/// <summary>
/// SendGrid's Signed Event Webhook: a JSON array of events, signed with ECDSA P-256 over the
/// timestamp header followed by the raw body. Each event names its delivery through the
/// <c>delivery_id</c> custom arg Notify sent with the message (SendGrid flattens custom args
/// into every event) and is deduplicated by <c>sg_event_id</c>.
/// </summary>
public sealed class SendGridEventWebhook(
    IOptions<SendGridEventWebhookOptions> options, IOptions<ReceiptOptions> receiptOptions, TimeProvider time) : IReceiptProvider
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    private readonly byte[][] _keys = [.. options.Value.VerificationKeys.Select(k => SendGridEventWebhookOptions.TryImport(k, out var spki) ? spki : [])];
    private readonly ReceiptOptions _limits = receiptOptions.Value;

    public string Channel => ChannelNames.Email;

    public string Provider => EmailOptions.SendGrid;

    public ReceiptVerdict Verify(ReceiptRequest request)
    {
        if (request.Header(SignatureHeader) is not { Length: > 0 } signatureText || request.Header(TimestampHeader) is not { Length: > 0 } timestamp)
        {
            return ReceiptVerdict.Refused(RefusalReasons.MissingSignature);
        }
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException)
        {
            return ReceiptVerdict.Refused(RefusalReasons.BadSignature);
        }

        // The signed message is the timestamp's characters followed by the body, byte for byte.
        var timestampBytes = Encoding.UTF8.GetBytes(timestamp);
        var signed = new byte[timestampBytes.Length + request.Body.Length];
        timestampBytes.CopyTo(signed, 0);
        request.Body.Span.CopyTo(signed.AsSpan(timestampBytes.Length));
        if (!_keys.Any(key => Verifies(key, signed, signature)))
        {
            return ReceiptVerdict.Refused(RefusalReasons.BadSignature);
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return ReceiptVerdict.Refused(RefusalReasons.BadSignature);
        }
        var age = time.GetUtcNow() - ReceiptJson.FromUnixSeconds(seconds);
        if (age > _limits.MaxAge)
        {
            return ReceiptVerdict.Refused(RefusalReasons.StaleTimestamp);
        }
        return -age > _limits.MaxFutureSkew ? ReceiptVerdict.Refused(RefusalReasons.FutureTimestamp) : ReceiptVerdict.Accepted;
    }

    public IReadOnlyList<ReceiptEvent> Parse(ReceiptRequest request)
    {
        using (var document = ReceiptJson.Parse(request))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new MalformedReceiptException("the body is not a JSON array of events.");
            }
            var events = new List<ReceiptEvent>(document.RootElement.GetArrayLength());
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || ReceiptJson.String(item, "event") is not { Length: > 0 } type)
                {
                    throw new MalformedReceiptException($"event {index} has no \"event\" field.");
                }
                events.Add(ToEvent(item, type));
                index++;
            }
            return events;
        }
    }

    private static ReceiptEvent ToEvent(JsonElement item, string type)
    {
        var reason = ReceiptJson.String(item, "reason");
        var (kind, suppress) = type switch
        {
            "processed" => (ReceiptKind.Sent, null),
            "delivered" => (ReceiptKind.Delivered, null),
            // A "blocked" bounce is the receiving server refusing for now (reputation, content),
            // not a dead address: it fails this message but does not suppress the address.
            "bounce" => (ReceiptKind.Failed, ReceiptJson.String(item, "type") == "blocked" ? null : "hard_bounce"),
            "dropped" => (ReceiptKind.Failed, reason switch
            {
                "Bounced Address" => "hard_bounce",
                "Unsubscribed Address" => "unsubscribe",
                "Spam Reporting Address" => "spam_report",
                _ => null,
            }),
            "spamreport" => (ReceiptKind.Informational, "spam_report"),
            "unsubscribe" or "group_unsubscribe" => (ReceiptKind.Informational, "unsubscribe"),
            _ => (ReceiptKind.Informational, (string?)null),   // deferred, open, click, group_resubscribe, and whatever SendGrid adds
        };
        DateTimeOffset? occurred = item.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number && ts.TryGetInt64(out var unix)
            ? ReceiptJson.FromUnixSeconds(unix)
            : null;
        return new ReceiptEvent(
            ReceiptJson.String(item, "sg_event_id"), type, kind,
            Guid.TryParse(ReceiptJson.String(item, SendGridMailClient.DeliveryIdArg), out var deliveryId) ? deliveryId : null,
            ReceiptJson.String(item, "sg_message_id"), occurred)
        {
            ErrorCode = kind == ReceiptKind.Failed ? ReceiptJson.String(item, "status") ?? type : null,
            ErrorMessage = kind == ReceiptKind.Failed ? Truncate(reason) : null,
            SuppressReason = suppress,
        };
    }

    private static bool Verifies(byte[] spki, byte[] signed, byte[] signature)
    {
        if (spki.Length == 0)
        {
            return false;
        }
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        try
        {
            return key.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;   // not a DER signature at all
        }
    }


    private static string? Truncate(string? text) => text is { Length: > 500 } ? text[..500] : text;
}
