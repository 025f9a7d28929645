using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;

namespace Notify.DrainBench;

/// <summary>
/// Scenario (b): one SendGrid v3 Mail Send (<c>POST /v3/mail/send</c>) to the provider sandbox
/// per delivery, the same request every peer's worker sends: one personalization, the
/// delivery id in <c>custom_args.delivery_id</c>, bearer API key. 202 is success.
/// </summary>
public sealed class SendGridPostProvider(IHttpClientFactory clients, IOptions<DrainOptions> options, DrainProbe probe) : IDeliveryProvider
{
    public const string ClientName = "sendgrid";
    private readonly Uri _endpoint = new(options.Value.SendGridUrl!, "/v3/mail/send");
    private readonly AuthenticationHeaderValue _authorization = new("Bearer", options.Value.SendGridApiKey);
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public string Name => "sendgrid";

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(Body(delivery, content.Email)) };
        request.Content.Headers.ContentType = Json;
        request.Headers.Authorization = _authorization;
        using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
        probe.Handled();
        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var messageId = response.Headers.TryGetValues("X-Message-Id", out var ids) ? ids.First() : "";
            return ProviderResult.Sent(messageId, status);
        }
        var outcome = status is 429 or >= 500 ? ProviderOutcome.Retryable : ProviderOutcome.Permanent;
        return new ProviderResult(outcome, ErrorCode: status.ToString(), ErrorMessage: "SendGrid answered " + status, HttpStatus: status);
    }

    private static byte[] Body(ClaimedDelivery delivery, EmailContent email)
    {
        using var buffer = new MemoryStream(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("personalizations");
            json.WriteStartObject();
            json.WriteStartArray("to");
            json.WriteStartObject();
            json.WriteString("email", delivery.Recipient);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartObject("custom_args");
            json.WriteString("delivery_id", delivery.Id.ToString());
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartObject("from");
            json.WriteString("email", "bench@example.com");
            json.WriteEndObject();
            json.WriteString("subject", email.Subject);
            json.WriteStartArray("content");
            json.WriteStartObject();
            json.WriteString("type", "text/plain");
            json.WriteString("value", email.TextBody);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
