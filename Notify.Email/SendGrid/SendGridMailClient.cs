using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace Notify.Email.SendGrid;

/// <summary>The answer to one Mail Send call, as SendGrid gave it.</summary>
public sealed record SendGridSendResult(HttpStatusCode Status, string? MessageId, string? ErrorField, string? ErrorMessage, TimeSpan? RetryAfter);

/// <summary>
/// Sends one email through SendGrid's Mail Send API with the official SDK. The SDK's
/// <see cref="SendGridClient"/> runs on an <see cref="HttpClient"/> from the factory, so the
/// base URL goes through service discovery (<c>http://sandbox</c>) and the shared HTTP
/// defaults (telemetry, timeouts) apply; the SDK's own retries stay off because the outbox
/// owns retries and 429 handling.
/// </summary>
public sealed class SendGridMailClient(IHttpClientFactory httpClients, IOptions<SendGridOptions> options, TimeProvider time)
{
    public const string HttpClientName = "sendgrid";

    /// <summary>
    /// <c>custom_args</c> key carrying Notify's delivery id: SendGrid echoes custom args on
    /// every Event Webhook event, so receipts find their delivery (and the sandbox records by it).
    /// </summary>
    public const string DeliveryIdArg = "delivery_id";

    public const string NotificationIdArg = "notification_id";

    private readonly SendGridOptions _options = options.Value;

    public async Task<SendGridSendResult> SendAsync(ClaimedDelivery delivery, EmailContent email, CancellationToken cancellationToken)
    {
        var message = new SendGridMessage
        {
            From = new EmailAddress(_options.FromEmail, _options.FromName),
            Subject = email.Subject,
            PlainTextContent = email.TextBody.Length > 0 ? email.TextBody : null,
            HtmlContent = email.HtmlBody.Length > 0 ? email.HtmlBody : null,
        };
        message.AddTo(new EmailAddress(delivery.Recipient));
        message.AddCustomArg(DeliveryIdArg, delivery.Id.ToString());
        message.AddCustomArg(NotificationIdArg, delivery.NotificationId.ToString());
        if (_options.ReplyTo is { } replyTo)
        {
            message.SetReplyTo(new EmailAddress(replyTo));
        }

        var headers = new Dictionary<string, string> { ["X-Notify-Delivery-Id"] = delivery.Id.ToString() };
        // A client per call is cheap (the HttpClient and its handlers are pooled by the
        // factory) and lets each request carry its own headers.
        var client = new SendGridClient(httpClients.CreateClient(HttpClientName), new SendGridClientOptions
        {
            ApiKey = _options.ApiKey,
            Host = _options.BaseUrl.GetLeftPart(UriPartial.Authority) + _options.BaseUrl.AbsolutePath.TrimEnd('/'),
            RequestHeaders = headers,
            HttpErrorAsException = false,
        });

        var response = await client.SendEmailAsync(message, cancellationToken);
        var messageId = response.Headers.TryGetValues("X-Message-Id", out var ids) ? ids.FirstOrDefault() : null;
        if (response.IsSuccessStatusCode)
        {
            return new SendGridSendResult(response.StatusCode, messageId, null, null, null);
        }
        var body = response.Body is null ? "" : await response.Body.ReadAsStringAsync(cancellationToken);
        var (field, text) = ReadError(body);
        return new SendGridSendResult(response.StatusCode, messageId, field, text, RetryAfter(response));
    }

    /// <summary>
    /// How long to wait: <c>Retry-After</c> (seconds or a date) when given, else the rate-limit
    /// window's end <c>X-RateLimit-Reset</c> (unix seconds), the header SendGrid documents for 429.
    /// </summary>
    private TimeSpan? RetryAfter(Response response)
    {
        var now = time.GetUtcNow();
        if (RetryAfterHeader.Read(response.Headers, now) is { } retryAfter)
        {
            return retryAfter;
        }
        if (response.Headers.TryGetValues("X-RateLimit-Reset", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var reset))
        {
            return Max(DateTimeOffset.FromUnixTimeSeconds(reset) - now);
        }
        return null;
    }

    private static TimeSpan Max(TimeSpan wait) => wait > TimeSpan.Zero ? wait : TimeSpan.Zero;

    /// <summary>
    /// The first problem of SendGrid's error body <c>{"errors":[{"message","field","help"}]}</c>,
    /// preferring one that names a field; the older top-level <c>{"error":"…"}</c> is read too.
    /// </summary>
    private static (string? Field, string? Message) ReadError(string body)
    {
        const int MaxMessageLength = 500;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                && errors.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList() is { Count: > 0 } problems)
            {
                var chosen = problems.FirstOrDefault(e => StringProperty(e, "field") is not null, problems[0]);
                return (StringProperty(chosen, "field"), Truncate(StringProperty(chosen, "message"), MaxMessageLength));
            }
            return (null, Truncate(StringProperty(root, "error"), MaxMessageLength));
        }
        catch (JsonException)
        {
            // A proxy's HTML error page, say: classified by the HTTP status alone.
            return (null, null);
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Truncate(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;
}
