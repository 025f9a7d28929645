using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Notify.Delivery.Egress;
using Notify.Delivery.Providers;
using Notify.Delivery.Telemetry;
using Notify.Grpc.V1;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Outbox.Privacy;
using Notify.Webhook.Signing;

namespace Notify.Webhook.Sending;

/// <summary>
/// Posts a notification's webhook content to the recipient URL, signed per Standard Webhooks
/// (<see cref="WebhookSigner"/>), through the SSRF guard (<see cref="WebhookHttpClient"/>), and
/// classifies the answer (<see cref="WebhookResponses"/>).
/// </summary>
public sealed partial class WebhookProvider(
    WebhookHttpClient client,
    WebhookSigner signer,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookProvider> logger) : IDeliveryProvider
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private readonly WebhookOptions _options = options.Value;

    public string Name => "webhook";

    /// <summary>Each endpoint (scheme, host, port) has its own rate: one slow receiver does not hold back the others.</summary>
    public string RateLimitKey(ClaimedDelivery delivery) =>
        Uri.TryCreate(delivery.Recipient, UriKind.Absolute, out var uri)
            ? $"{Name}:{uri.Scheme}://{uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}"
            : Name;

    /// <summary>A circuit per endpoint: one tenant's dead endpoint must not pause everyone's webhooks.</summary>
    public string CircuitKey(ClaimedDelivery delivery) => RateLimitKey(delivery);

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        if (content.Webhook is not { } webhook || string.IsNullOrEmpty(webhook.EventType))
        {
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "NO_CONTENT", ErrorMessage: "The notification has no webhook event type.");
        }
        if (!Uri.TryCreate(delivery.Recipient, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "INVALID_URL", ErrorMessage: "The webhook URL is not an absolute http(s) URL.");
        }

        var messageId = delivery.Id.ToString();
        var now = time.GetUtcNow();
        byte[] body;
        try
        {
            body = WebhookEnvelope.Create(webhook.EventType, webhook.Payload, UuidV7.Timestamp(delivery.NotificationId));
        }
        catch (InvalidOperationException)
        {
            // A payload JSON cannot hold (a value with no kind, NaN), stored before the ingress
            // refused such payloads: it will never be sendable.
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "INVALID_PAYLOAD", ErrorMessage: "The webhook payload cannot be written as JSON.");
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var timestamp = now.ToUnixTimeSeconds();
        request.Headers.TryAddWithoutValidation(IdHeader, messageId);
        request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(SignatureHeader, signer.Sign(messageId, timestamp, body));
        request.Headers.TryAddWithoutValidation("User-Agent", _options.UserAgent);

        // The HTTP client sends the current span as traceparent: the engine's call span, or
        // (called without the engine) the trace the notification stored. Receivers rely on it
        // to join the caller's trace.
        using var trace = DeliveryTracing.ContinueStoredTrace(delivery);

        try
        {
            using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var excerpt = await ResponseExcerpt.ReadAsync(response.Content, _options.ResponseExcerptBytes, cancellationToken);
            var result = WebhookResponses.Classify(messageId, response.StatusCode, response.ReasonPhrase, response.Headers, excerpt,
                time.GetUtcNow(), _options.MaxRetryAfter);
            Report(delivery, url, result);
            return result;
        }
        catch (HttpRequestException ex) when (EgressRefusedException.FindIn(ex) is { } refused)
        {
            LogRefused(logger, delivery.Id, RecipientMask.MaskUrl(delivery.Recipient), refused.Kind.Reason());
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "SSRF_BLOCKED", ErrorMessage: refused.Message);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var (code, message) = Describe(ex);
            return new ProviderResult(ProviderOutcome.Retryable, ErrorCode: code, ErrorMessage: message);
        }
    }

    private void Report(ClaimedDelivery delivery, Uri url, ProviderResult result)
    {
        if (result.HttpStatus is >= 300 and < 400)
        {
            EgressMetrics.RecordRefused("redirect");
            LogRedirectRefused(logger, delivery.Id, RecipientMask.MaskUrl(url.OriginalString), result.HttpStatus.Value);
        }
        else if (result.SuppressReason is not null)
        {
            LogGone(logger, delivery.Id, RecipientMask.MaskUrl(url.OriginalString));
        }
    }

    /// <summary>A transport failure in words that say what to check, without the URL.</summary>
    private static (string Code, string Message) Describe(HttpRequestException ex)
    {
        if (ex.InnerException is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } dns)
        {
            return ("DNS", $"The endpoint's host could not be resolved ({dns.SocketErrorCode}).");
        }
        return ex.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => ("DNS", "The endpoint's host could not be resolved."),
            HttpRequestError.SecureConnectionError => ("TLS", "The TLS handshake with the endpoint failed: " + (ex.InnerException?.Message ?? ex.Message)),
            HttpRequestError.ConnectionError => ("CONNECTION", "Could not connect to the endpoint: " + (ex.InnerException?.Message ?? ex.Message)),
            _ => ("TRANSPORT", $"The request to the endpoint failed ({ex.HttpRequestError})."),
        };
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} to {Endpoint} refused: the endpoint leads to a {Reason} address")]
    private static partial void LogRefused(ILogger logger, Guid deliveryId, string endpoint, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId}: {Endpoint} answered a {Status} redirect, which is not followed")]
    private static partial void LogRedirectRefused(ILogger logger, Guid deliveryId, string endpoint, int status);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId}: {Endpoint} answered 410 Gone; the endpoint is suppressed for the tenant")]
    private static partial void LogGone(ILogger logger, Guid deliveryId, string endpoint);
}
