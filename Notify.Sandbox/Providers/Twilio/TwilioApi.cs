using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;
using Notify.Sandbox.Receipts;

namespace Notify.Sandbox.Providers.Twilio;

/// <summary>
/// Twilio Programmable Messaging (<c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c>).
/// The Messages resource has no field for our id, so the delivery id is the
/// <c>X-Notify-Delivery-Id</c> header (Twilio ignores headers it does not know).
/// </summary>
public static partial class TwilioApi
{
    private const int MaxBodyLength = 1600;

    public static IEndpointRouteBuilder MapTwilio(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/2010-04-01/Accounts/{accountSid}/Messages.json", SendAsync);
        return routes;
    }

    private static async Task<IResult> SendAsync(string accountSid, HttpRequest request, ProviderGate gate, TwilioErrors errors, IOptions<SandboxOptions> options, TimeProvider time)
    {
        const string provider = ProviderNames.Twilio;
        if (!IsAuthorized(request, accountSid, options.Value.Twilio))
        {
            return gate.Reject(provider, 401, "authenticate", TwilioErrors.Unauthorized());
        }
        var form = request.HasFormContentType ? await request.ReadFormAsync() : FormCollection.Empty;
        if (gate.InjectFault(errors, request.HttpContext) is { } fault)
        {
            return fault;
        }
        string? Field(string name) => form.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value.ToString() : null;
        var to = Field("To");
        var from = Field("From");
        var messagingServiceSid = Field("MessagingServiceSid");
        var body = Field("Body");
        var statusCallback = Field("StatusCallback");

        (int Code, string Message)? problem =
            to is null ? (21604, "A 'To' phone number is required.")
            : from is null && messagingServiceSid is null ? (21603, "A 'From' phone number is required.")
            : messagingServiceSid is not null && !MessagingServiceSid().IsMatch(messagingServiceSid) ? (21701, $"The Messaging Service Sid {messagingServiceSid} is invalid.")
            : body is null && Field("MediaUrl") is null && Field("ContentSid") is null ? (21602, "Message body is required.")
            : body is { Length: > MaxBodyLength } ? (21617, "The concatenated message body exceeds the 1600 character limit.")
            : !PhoneNumber().IsMatch(to) || to == from || gate.IsInvalidRecipient(provider, to) ? (21211, $"The 'To' number {to} is not a valid phone number.")
            : statusCallback is not null && !IsCallbackUrl(statusCallback) ? (21609, "The StatusCallback URL is not a valid URL.")
            : null;
        if (problem is { } p)
        {
            return gate.Reject(provider, 400, $"code {p.Code}", TwilioErrors.Body(400, p.Code, p.Message));
        }

        var sid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var receipt = statusCallback is null ? null : new TwilioReceiptContext(accountSid, from, messagingServiceSid, statusCallback);
        gate.Accept(provider, to!, ProviderResults.DeliveryIdFromHeader(request), sid, receipt, ProviderResults.Traceparent(request));

        var now = time.GetUtcNow().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        var uri = $"/2010-04-01/Accounts/{accountSid}/Messages/{sid}";
        return Results.Json(new
        {
            account_sid = accountSid,
            api_version = "2010-04-01",
            body,
            date_created = now,
            date_sent = (string?)null,
            date_updated = now,
            direction = "outbound-api",
            error_code = (int?)null,
            error_message = (string?)null,
            from,
            messaging_service_sid = messagingServiceSid,
            num_media = form.TryGetValue("MediaUrl", out var media) ? media.Count.ToString(CultureInfo.InvariantCulture) : "0",
            num_segments = Segments(body ?? "").ToString(CultureInfo.InvariantCulture),
            price = (string?)null,
            price_unit = "USD",
            sid,
            // A Messaging Service queues the message itself first: Twilio answers "accepted" then.
            status = messagingServiceSid is null ? "queued" : "accepted",
            subresource_uris = new { media = uri + "/Media.json" },
            to,
            uri = uri + ".json",
        }, statusCode: 201);
    }

    private static bool IsAuthorized(HttpRequest request, string accountSid, TwilioOptions options)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return false;
        }
        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }
        var (user, password) = (credentials[..colon], credentials[(colon + 1)..]);
        return user == accountSid
            && options.Accounts.TryGetValue(user, out var token)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(password));
    }

    private static bool IsCallbackUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && !uri.Host.Contains('_');

    /// <summary>160 GSM-7 characters per single message, 153 per part; 70/67 when any character needs UCS-2.</summary>
    private static int Segments(string body)
    {
        var gsm = body.All(c => c is >= ' ' and <= '~' or '\n' or '\r');
        var (single, part) = gsm ? (160, 153) : (70, 67);
        return body.Length <= single ? 1 : (body.Length + part - 1) / part;
    }

    [GeneratedRegex(@"^(whatsapp:)?\+[1-9][0-9]{1,14}$")]
    private static partial Regex PhoneNumber();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServiceSid();
}
