using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;

namespace Notify.WhatsApp.CloudApi;

/// <summary>
/// A small typed client for the WhatsApp Cloud API's send call:
/// <c>POST {BaseUrl}/{ApiVersion}/{PhoneNumberId}/messages</c> with a bearer access token and a
/// JSON body (providers.md §3). Answers are returned as they came, for the provider to classify.
/// </summary>
public sealed class WhatsAppCloudClient(HttpClient http, IOptions<WhatsAppCloudOptions> options)
{
    private readonly WhatsAppCloudOptions _options = options.Value;

    /// <summary>
    /// Sends <paramref name="message"/>. <paramref name="callbackData"/> goes out as
    /// <c>biz_opaque_callback_data</c>, which Meta echoes in status webhooks: Notify puts the
    /// delivery id there, so receipts (and the sandbox) can tell which delivery a message was.
    /// </summary>
    public async Task<WhatsAppSendResult> SendAsync(WhatsAppMessage message, string callbackData, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, MessagesUri)
        {
            Content = new ByteArrayContent(MessageBody.Write(message, callbackData)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken);

        using var response = await http.SendAsync(request, cancellationToken);
        var retryAfter = RetryAfterHeader.Read(response, DateTimeOffset.UtcNow);
        using (var json = await ProviderJson.ReadAsync(response, cancellationToken))
        {
            var root = json?.RootElement ?? default;
            var (id, status) = FirstMessage(root);
            return new WhatsAppSendResult((int)response.StatusCode, id, status, Error(root), retryAfter);
        }
    }

    // Appended to the base URL's path, so a base behind a path prefix (a proxy) keeps it.
    private Uri MessagesUri => new($"{_options.BaseUrl.AbsoluteUri.TrimEnd('/')}/{_options.ApiVersion}/{_options.PhoneNumberId}/messages");

    private static (string? Id, string? Status) FirstMessage(JsonElement root)
    {
        if (Property(root, "messages") is { ValueKind: JsonValueKind.Array } messages && messages.GetArrayLength() > 0)
        {
            var first = messages[0];
            return (String(first, "id"), String(first, "message_status"));
        }
        return (null, null);
    }

    private static GraphError? Error(JsonElement root)
    {
        if (Property(root, "error") is not { ValueKind: JsonValueKind.Object } error
            || Property(error, "code") is not { ValueKind: JsonValueKind.Number } code || !code.TryGetInt32(out var value))
        {
            return null;
        }
        int? subcode = Property(error, "error_subcode") is { ValueKind: JsonValueKind.Number } s && s.TryGetInt32(out var sub) ? sub : null;
        var details = Property(error, "error_data") is { ValueKind: JsonValueKind.Object } data ? String(data, "details") : null;
        return new GraphError(value, subcode, String(error, "message"), String(error, "type"), details, String(error, "fbtrace_id"));
    }

    private static JsonElement? Property(JsonElement parent, string name)
        => parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value : null;

    private static string? String(JsonElement parent, string name)
        => Property(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
