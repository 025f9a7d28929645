using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;
using Notify.Sms.Receipts;

namespace Notify.Sms.Twilio;

/// <summary>The answer to one Messages create call, as Twilio gave it.</summary>
public sealed record TwilioSendResult(HttpStatusCode Status, string? Sid, int? ErrorCode, string? ErrorMessage, TimeSpan? RetryAfter);

/// <summary>
/// A small typed client for Twilio's Messages API (the Twilio package is not served to this
/// project): <c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c>, HTTP Basic auth,
/// form-encoded body, JSON answers (201 with a <c>sid</c>, or <c>{code, message, status}</c>).
/// </summary>
public sealed class TwilioMessagesClient(HttpClient http, IOptions<TwilioOptions> options, StatusCallbackUrl callbacks)
{
    /// <summary>Notify's delivery id travels with every call so the far side can correlate (Twilio has no idempotency key).</summary>
    public const string DeliveryIdHeader = "X-Notify-Delivery-Id";

    private readonly TwilioOptions _options = options.Value;

    public async Task<TwilioSendResult> SendAsync(string to, string body, Guid deliveryId, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("To", to), new("Body", body) };
        if (!string.IsNullOrEmpty(_options.MessagingServiceSid))
        {
            form.Add(new("MessagingServiceSid", _options.MessagingServiceSid));
        }
        else
        {
            form.Add(new("From", _options.From!));
        }
        if (callbacks.For(deliveryId) is { } callback)
        {
            form.Add(new("StatusCallback", callback.ToString()));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post,
            new Uri(_options.BaseUrl, $"/2010-04-01/Accounts/{_options.AccountSid}/Messages.json"))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.AccountSid}:{_options.AuthToken}")));
        request.Headers.Add(DeliveryIdHeader, deliveryId.ToString());

        using var response = await http.SendAsync(request, cancellationToken);
        var retryAfter = RetryAfterHeader.Read(response, DateTimeOffset.UtcNow);
        using (var json = await ProviderJson.ReadAsync(response, cancellationToken))
        {
            var root = json?.RootElement;
            string? sid = root is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("sid", out var s) ? s.GetString() : null;
            int? code = root is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
            string? message = root is { ValueKind: JsonValueKind.Object } m && m.TryGetProperty("message", out var msg) ? msg.GetString() : null;
            return new TwilioSendResult(response.StatusCode, sid, code, message, retryAfter);
        }
    }
}
