using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;

namespace Notify.Push.Fcm;

/// <summary>The answer to one <c>messages:send</c>, as FCM gave it.</summary>
/// <param name="FcmErrorCode">The <c>FcmError</c> detail's <c>errorCode</c> (<c>UNREGISTERED</c>…): the code to act on.</param>
/// <param name="CanonicalStatus">The top-level google.rpc status (<c>NOT_FOUND</c>, <c>UNAUTHENTICATED</c>…).</param>
public sealed record FcmSendResult(HttpStatusCode Status, string? Name, string? FcmErrorCode, string? CanonicalStatus, string? Message, TimeSpan? RetryAfter);

/// <summary>
/// FCM HTTP v1 <c>POST {BaseUrl}/v1/projects/{project}/messages:send</c> for one device token.
/// Firebase's Admin SDK hard-codes Google's host, so this is a thin client of our own.
/// </summary>
public sealed class FcmMessagesClient(IHttpClientFactory httpClients, IOptions<FcmOptions> options, TimeProvider time)
{
    public const string HttpClientName = "fcm";

    /// <summary>The data key carrying Notify's delivery id: the app and the sandbox read it (FCM has no idempotency key).</summary>
    public const string DeliveryIdKey = "delivery_id";

    public const string NotificationIdKey = "notification_id";

    /// <summary>FCM keeps a message for at most four weeks.</summary>
    private static readonly TimeSpan MaxTtl = TimeSpan.FromSeconds(2_419_200);

    public async Task<FcmSendResult> SendAsync(string project, string accessToken, ClaimedDelivery delivery, PushContent push, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.BaseUrl, $"/v1/projects/{Uri.EscapeDataString(project)}/messages:send"))
        {
            Content = JsonContent.Create(new JsonObject { ["message"] = Message(delivery, push, time.GetUtcNow()) }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);

        using var http = httpClients.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, cancellationToken);
        var retryAfter = RetryAfterHeader.Read(response, time.GetUtcNow());
        JsonDocument? json = null;
        try
        {
            json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            // Google's front end answers some 5xx with HTML: classified by the status alone.
        }
        using (json)
        {
            var root = json?.RootElement;
            if (root is { ValueKind: JsonValueKind.Object } ok && response.IsSuccessStatusCode)
            {
                return new FcmSendResult(response.StatusCode, Text(ok, "name"), null, null, null, retryAfter);
            }
            if (root is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                return new FcmSendResult(response.StatusCode, null, FcmErrorCode(error), Text(error, "status"), Text(error, "message"), retryAfter);
            }
            return new FcmSendResult(response.StatusCode, null, null, null, null, retryAfter);
        }
    }

    /// <summary>
    /// The v1 <c>Message</c>: the token, the notification (title/body), the caller's data plus
    /// Notify's ids (values must be strings), and the time to live derived from <c>expires_at</c>
    /// for Android and for iOS devices reached through FCM.
    /// </summary>
    public static JsonObject Message(ClaimedDelivery delivery, PushContent push, DateTimeOffset now)
    {
        var message = new JsonObject { ["token"] = delivery.Recipient };
        var notification = new JsonObject();
        if (push.Title.Length > 0)
        {
            notification["title"] = push.Title;
        }
        if (push.Body.Length > 0)
        {
            notification["body"] = push.Body;
        }
        if (notification.Count > 0)
        {
            message["notification"] = notification;
        }
        var data = new JsonObject();
        foreach (var (key, value) in push.Data)
        {
            data[key] = value;
        }
        // Ours win over a caller's key of the same name: the sandbox and receipts rely on them.
        data[DeliveryIdKey] = delivery.Id.ToString();
        data[NotificationIdKey] = delivery.NotificationId.ToString();
        message["data"] = data;

        if (delivery.ExpiresAt is { } expiresAt)
        {
            var ttl = new DateTimeOffset(expiresAt, TimeSpan.Zero) - now;
            ttl = ttl < TimeSpan.Zero ? TimeSpan.Zero : ttl > MaxTtl ? MaxTtl : ttl;
            message["android"] = new JsonObject { ["ttl"] = $"{(long)ttl.TotalSeconds}s" };
            message["apns"] = new JsonObject
            {
                ["headers"] = new JsonObject { ["apns-expiration"] = new DateTimeOffset(expiresAt, TimeSpan.Zero).ToUnixTimeSeconds().ToString() },
            };
        }
        return message;
    }

    private static string? FcmErrorCode(JsonElement error)
    {
        if (!error.TryGetProperty("details", out var details) || details.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        foreach (var detail in details.EnumerateArray())
        {
            if (detail.ValueKind == JsonValueKind.Object
                && Text(detail, "@type") == "type.googleapis.com/google.firebase.fcm.v1.FcmError")
            {
                return Text(detail, "errorCode");
            }
        }
        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
