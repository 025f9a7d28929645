using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Outbox;
using Notify.Outbox.Receipts;
using Notify.Receipts;

namespace Notify.WhatsApp.Receipts;

/// <summary>
/// WhatsApp status webhooks from Meta: a <c>whatsapp_business_account</c> envelope whose
/// changes carry <c>statuses</c> (sent, delivered, read, failed), signed with
/// <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c> under the app
/// secret. Each status names its delivery through <c>biz_opaque_callback_data</c>, which Notify
/// set to the delivery id when sending. Inbound messages in the same envelope are not receipts
/// and are ignored here. Meta signs no timestamp, so replays are caught by event id
/// (message id and status).
/// </summary>
public sealed class WhatsAppStatusWebhook(IOptions<WhatsAppWebhookOptions> options) : IReceiptProvider
{
    public const string SignatureHeader = "X-Hub-Signature-256";
    private const string SignaturePrefix = "sha256=";

    // The user stopped marketing messages from this business.
    private const int MarketingOptOut = 131050;

    private readonly WhatsAppWebhookOptions _options = options.Value;

    public string Channel => ChannelNames.WhatsApp;

    public string Provider => "whatsapp";

    public ReceiptVerdict Verify(ReceiptRequest request)
    {
        if (request.Header(SignatureHeader) is not { Length: > 0 } signature)
        {
            return ReceiptVerdict.Refused(RefusalReasons.MissingSignature);
        }
        if (!signature.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return ReceiptVerdict.Refused(RefusalReasons.BadSignature);
        }
        var presented = signature[SignaturePrefix.Length..].ToLowerInvariant();
        return _options.AppSecrets.Any(secret => SignatureCheck.EqualsConstantTime(presented, SignatureCheck.HmacSha256Hex(secret, request.Body.Span)))
            ? ReceiptVerdict.Accepted
            : ReceiptVerdict.Refused(RefusalReasons.BadSignature);
    }

    /// <summary>The GET handshake: true when Meta presents our verify token for a subscription.</summary>
    public bool IsSubscriptionHandshake(string? mode, string? token)
        => mode == "subscribe" && token is not null && _options.VerifyToken is { } expected
           && SignatureCheck.EqualsConstantTime(token, Encoding.UTF8.GetBytes(expected));

    public IReadOnlyList<ReceiptEvent> Parse(ReceiptRequest request)
    {
        using (var document = ReceiptJson.Parse(request))
        {
            var root = document.RootElement;
            if (!ReceiptJson.Array(root, "entry", out var entries))
            {
                throw new MalformedReceiptException("the body has no \"entry\" array.");
            }
            var events = new List<ReceiptEvent>();
            foreach (var entry in entries.EnumerateArray())
            {
                // Every level is checked for its type: a wrong one is skipped (Meta adds fields and
                // shapes), never an exception that would answer 500 and make Meta retry it forever.
                if (!ReceiptJson.Array(entry, "changes", out var changes))
                {
                    continue;
                }
                foreach (var change in changes.EnumerateArray())
                {
                    if (ReceiptJson.Property(change, "value", out var value) && ReceiptJson.Array(value, "statuses", out var statuses))
                    {
                        events.AddRange(statuses.EnumerateArray().Select(ToEvent));
                    }
                }
            }
            return events;
        }
    }

    private static ReceiptEvent ToEvent(JsonElement status)
    {
        var messageId = ReceiptJson.String(status, "id");
        var type = ReceiptJson.String(status, "status");
        if (messageId is not { Length: > 0 } || type is not { Length: > 0 })
        {
            throw new MalformedReceiptException("a status has no \"id\" or \"status\".");
        }
        var kind = type switch
        {
            "sent" => ReceiptKind.Sent,
            // A read receipt proves delivery too, should the delivered one be late or lost.
            "delivered" or "read" => ReceiptKind.Delivered,
            "failed" => ReceiptKind.Failed,
            _ => ReceiptKind.Informational,
        };
        int? code = null;
        string? message = null;
        if (ReceiptJson.Array(status, "errors", out var errors) && errors.GetArrayLength() > 0)
        {
            var error = errors[0];
            code = ReceiptJson.Int32(error, "code");
            message = ReceiptJson.String(error, "title") ?? ReceiptJson.String(error, "message");
        }
        DateTimeOffset? occurred = long.TryParse(ReceiptJson.String(status, "timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var unix)
            ? ReceiptJson.FromUnixSeconds(unix)
            : null;
        return new ReceiptEvent(
            $"{messageId}:{type}", type, kind,
            Guid.TryParse(ReceiptJson.String(status, "biz_opaque_callback_data"), out var deliveryId) ? deliveryId : null,
            messageId, occurred)
        {
            ErrorCode = kind == ReceiptKind.Failed ? code?.ToString(CultureInfo.InvariantCulture) ?? type : null,
            ErrorMessage = kind == ReceiptKind.Failed ? message : null,
            SuppressReason = code == MarketingOptOut ? "marketing_opt_out" : null,
        };
    }
}
