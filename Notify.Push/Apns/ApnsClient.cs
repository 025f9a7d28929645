using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;

namespace Notify.Push.Apns;

/// <summary>The answer to one APNs request: <c>apns-id</c> on success, Apple's <c>reason</c> otherwise.</summary>
/// <param name="Timestamp">For 410: when APNs learned the token was gone (epoch milliseconds).</param>
public sealed record ApnsSendResult(HttpStatusCode Status, string? ApnsId, string? Reason, long? Timestamp, TimeSpan? RetryAfter);

/// <summary>
/// The APNs provider API: <c>POST {BaseUrl}/3/device/{token}</c> over HTTP/2 only. Every request
/// sets <see cref="HttpVersion.Version20"/> with <see cref="HttpVersionPolicy.RequestVersionExact"/>
/// itself: a client's default version is not applied to hand-built requests, and over plain
/// http (the sandbox) that is also what makes the handler speak h2c instead of HTTP/1.1.
/// </summary>
public sealed class ApnsClient(IHttpClientFactory httpClients, IOptions<ApnsOptions> options, TimeProvider time)
{
    public const string HttpClientName = "apns";

    public async Task<ApnsSendResult> SendAsync(
        string deviceToken, ApnsNotification notification, Guid apnsId, DateTime? expiresAt, string providerToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.BaseUrl, "/3/device/" + Uri.EscapeDataString(deviceToken)))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(notification.Payload) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("bearer", providerToken);
        request.Headers.Add("apns-topic", settings.Topic);
        request.Headers.Add("apns-push-type", notification.PushType);
        request.Headers.Add("apns-priority", notification.Priority.ToString());
        // Notify's delivery id: APNs echoes it, and it ties the device's copy to the delivery.
        request.Headers.Add("apns-id", apnsId.ToString());
        if (expiresAt is { } expires)
        {
            // APNs stores an undeliverable notification until then; 0 (expired) means try once.
            var seconds = Math.Max(0, new DateTimeOffset(expires, TimeSpan.Zero).ToUnixTimeSeconds());
            request.Headers.Add("apns-expiration", seconds.ToString());
        }

        using var http = httpClients.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, cancellationToken);
        var echoed = response.Headers.TryGetValues("apns-id", out var ids) ? ids.FirstOrDefault() : null;
        var retryAfter = RetryAfterHeader.Read(response, time.GetUtcNow());
        if (response.IsSuccessStatusCode)
        {
            return new ApnsSendResult(response.StatusCode, echoed ?? apnsId.ToString(), null, null, retryAfter);
        }

        string? reason = null;
        long? timestamp = null;
        try
        {
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (json.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
                {
                    reason = r.GetString();
                }
                if (json.RootElement.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.Number)
                {
                    timestamp = t.GetInt64();
                }
            }
        }
        catch (JsonException)
        {
            // No JSON reason (a proxy in between): classified by the status alone.
        }
        return new ApnsSendResult(response.StatusCode, echoed, reason, timestamp, retryAfter);
    }
}
