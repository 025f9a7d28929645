using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Notify.Outbox;
using Notify.Outbox.Receipts;
using Notify.Receipts;
using Notify.Sms.Twilio;

namespace Notify.Sms.Receipts;

/// <summary>
/// Twilio's message status callbacks: form posts signed with <c>X-Twilio-Signature</c>, the
/// base64 HMAC-SHA1 (key: the account's auth token) of the URL Twilio called followed by every
/// POST parameter's name and value, sorted by name. Twilio sends no timestamp, so a replay is
/// caught by its event id alone: the <c>I-Twilio-Idempotency-Token</c> header, else the
/// message sid with its status.
/// </summary>
public sealed class TwilioStatusCallback(IOptions<TwilioOptions> options) : IReceiptProvider
{
    public const string SignatureHeader = "X-Twilio-Signature";
    public const string IdempotencyHeader = "I-Twilio-Idempotency-Token";

    // A STOP reply unsubscribes the number from the sender; Twilio then refuses with 21610.
    private const string UnsubscribedCode = "21610";

    private readonly string[] _tokens = [.. new[] { options.Value.AuthToken, options.Value.PreviousAuthToken }.OfType<string>().Where(t => t.Length > 0)];

    public string Channel => ChannelNames.Sms;

    public string Provider => "twilio";

    public ReceiptVerdict Verify(ReceiptRequest request)
    {
        if (request.Header(SignatureHeader) is not { Length: > 0 } signature)
        {
            return ReceiptVerdict.Refused(RefusalReasons.MissingSignature);
        }
        var parameters = Form(request);
        // Twilio's own validator accepts the URL with or without the scheme's default port:
        // its back end is not consistent about including :443.
        foreach (var url in UrlSpellings(request.PublicUrl))
        {
            var data = SignedData(url, parameters);
            if (_tokens.Any(token => SignatureCheck.EqualsConstantTime(signature, SignatureCheck.HmacSha1Base64(token, data))))
            {
                return ReceiptVerdict.Accepted;
            }
        }
        return ReceiptVerdict.Refused(RefusalReasons.BadSignature);
    }

    public IReadOnlyList<ReceiptEvent> Parse(ReceiptRequest request)
    {
        var form = Form(request);
        if (Single(form, "MessageSid") is not { Length: > 0 } sid || Single(form, "MessageStatus") is not { Length: > 0 } status)
        {
            throw new MalformedReceiptException("the callback has no MessageSid or MessageStatus.");
        }
        var query = QueryHelpers.ParseQuery(request.PublicUrl.Query);
        Guid? deliveryId = query.TryGetValue(StatusCallbackUrl.DeliveryIdParameter, out var value) && Guid.TryParse(value, out var id) ? id : null;
        var errorCode = Single(form, "ErrorCode");
        var kind = status switch
        {
            "sent" => ReceiptKind.Sent,
            "delivered" => ReceiptKind.Delivered,
            "undelivered" or "failed" or "canceled" => ReceiptKind.Failed,
            _ => ReceiptKind.Informational,   // queued, accepted, scheduled, sending, read, and whatever Twilio adds
        };
        return
        [
            new ReceiptEvent(request.Header(IdempotencyHeader) ?? $"{sid}:{status}", status, kind, deliveryId, sid, OccurredAt: null)
            {
                ErrorCode = kind == ReceiptKind.Failed ? errorCode ?? status : null,
                ErrorMessage = kind == ReceiptKind.Failed ? $"Twilio reported the message {status}." : null,
                SuppressReason = errorCode == UnsubscribedCode ? "stop" : null,
            },
        ];
    }

    /// <summary>The signed string: the URL, then each parameter's name and value in ordinal order of names.</summary>
    public static string SignedData(string url, Dictionary<string, StringValues> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var name in parameters.Keys.Order(StringComparer.Ordinal))
        {
            foreach (var value in parameters[name])
            {
                data.Append(name).Append(value);
            }
        }
        return data.ToString();
    }

    private static Dictionary<string, StringValues> Form(ReceiptRequest request)
        => QueryHelpers.ParseQuery(Encoding.UTF8.GetString(request.Body.Span));

    private static string? Single(Dictionary<string, StringValues> form, string name)
        => form.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    private static IEnumerable<string> UrlSpellings(Uri url)
    {
        if (!url.IsDefaultPort)
        {
            return [url.OriginalString];
        }
        return new[]
        {
            url.OriginalString,
            $"{url.Scheme}://{url.Host}{url.PathAndQuery}",
            $"{url.Scheme}://{url.Host}:{url.Port}{url.PathAndQuery}",
        }.Distinct(StringComparer.Ordinal);
    }
}
