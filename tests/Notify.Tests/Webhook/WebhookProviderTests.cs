using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Notify.Delivery.Providers;
using Notify.Outbox;
using Notify.Webhook.Sending;

namespace Notify.Tests.Webhook;

/// <summary>
/// What a tenant's endpoint receives from the webhook provider (signed envelope, headers,
/// trace context) and how its answers are classified, against a real HTTP endpoint.
/// </summary>
[Collection(WebhookEgressCollection.Name)]
public sealed class WebhookProviderTests(ScriptedEndpoint endpoint) : IClassFixture<ScriptedEndpoint>
{
    private readonly WebhookProvider _provider = WebhookTestSupport.Provider(allowedHosts: ["127.0.0.1"]);

    [Fact]
    public async Task The_endpoint_gets_a_signed_standard_webhooks_envelope()
    {
        endpoint.Reset();
        var delivery = WebhookTestSupport.Delivery(endpoint.Url());
        var payload = Struct.Parser.ParseJson("""{"invoice":"in_42","amount":1999,"paid":true}""");

        var result = await _provider.SendAsync(delivery, WebhookTestSupport.Content("invoice.paid", payload), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Equal(delivery.Id.ToString(), result.ProviderMessageId);
        var request = Assert.Single(endpoint.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(delivery.Id.ToString(), request.Headers["webhook-id"]);
        Assert.StartsWith("application/json", request.Headers["content-type"]);
        Assert.Equal("Notify-Webhooks/1.0", request.Headers["user-agent"]);
        Assert.True(SpecVerifier.Verify(WebhookTestSupport.Secret, request.Headers, Encoding.UTF8.GetString(request.Body), DateTimeOffset.UtcNow));

        using var envelope = JsonDocument.Parse(request.Body);
        var root = envelope.RootElement;
        Assert.Equal("invoice.paid", root.GetProperty("type").GetString());
        Assert.Equal(UuidV7.Timestamp(delivery.NotificationId), root.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal("in_42", root.GetProperty("data").GetProperty("invoice").GetString());
        Assert.Equal(1999, root.GetProperty("data").GetProperty("amount").GetInt32());
        Assert.True(root.GetProperty("data").GetProperty("paid").GetBoolean());
    }

    [Fact]
    public async Task Without_a_payload_data_is_an_empty_object_and_a_retry_repeats_id_and_body()
    {
        endpoint.Reset();
        var delivery = WebhookTestSupport.Delivery(endpoint.Url());

        await _provider.SendAsync(delivery, WebhookTestSupport.Content("user.deleted"), CancellationToken.None);
        await _provider.SendAsync(delivery with { AttemptCount = 1 }, WebhookTestSupport.Content("user.deleted"), CancellationToken.None);

        var requests = endpoint.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(requests[0].Headers["webhook-id"], requests[1].Headers["webhook-id"]);
        Assert.Equal(requests[0].Body, requests[1].Body);
        using var envelope = JsonDocument.Parse(requests[0].Body);
        Assert.Equal(JsonValueKind.Object, envelope.RootElement.GetProperty("data").ValueKind);
        Assert.Empty(envelope.RootElement.GetProperty("data").EnumerateObject());
    }

    [Fact]
    public async Task The_notifications_trace_continues_at_the_endpoint()
    {
        endpoint.Reset();
        const string traceId = "0af7651916cd43dd8448eb211c80319c";

        await _provider.SendAsync(endpoint.Url(), $"00-{traceId}-b7ad6b7169203331-01");

        var traceparent = Assert.Single(endpoint.Requests).Headers["traceparent"];
        Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-0[01]$", traceparent);
    }

    [Fact]
    public async Task No_content_is_permanent_without_a_call()
    {
        endpoint.Reset();

        var result = await _provider.SendAsync(WebhookTestSupport.Delivery(endpoint.Url()), new Notify.Grpc.V1.Content(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal("NO_CONTENT", result.ErrorCode);
        Assert.Empty(endpoint.Requests);
    }

    [Theory]
    [InlineData(200, ProviderOutcome.Sent, null)]
    [InlineData(202, ProviderOutcome.Sent, null)]
    [InlineData(204, ProviderOutcome.Sent, null)]
    [InlineData(410, ProviderOutcome.Permanent, "410")]
    [InlineData(400, ProviderOutcome.Retryable, "400")]
    [InlineData(401, ProviderOutcome.Retryable, "401")]
    [InlineData(404, ProviderOutcome.Retryable, "404")]
    [InlineData(408, ProviderOutcome.Retryable, "408")]
    [InlineData(500, ProviderOutcome.Retryable, "500")]
    [InlineData(502, ProviderOutcome.Retryable, "502")]
    [InlineData(301, ProviderOutcome.Retryable, "301")]
    public async Task Answers_are_classified_per_standard_webhooks(int status, ProviderOutcome outcome, string? code)
    {
        endpoint.Reset();
        endpoint.Answer = ScriptedEndpoint.Status(status, status == 204 ? "" : "{\"detail\":\"x\"}");

        var result = await _provider.SendAsync(endpoint.Url());

        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(code, result.ErrorCode);
        Assert.Equal(status, result.HttpStatus);
        Assert.Equal(status == 410 ? "gone" : null, result.SuppressReason);
        Assert.False(result.Throttled);
    }

    [Fact]
    public async Task A_429_throttles_the_endpoint_for_its_retry_after()
    {
        endpoint.Reset();
        endpoint.Answer = ScriptedEndpoint.Status(429, "slow down", ("Retry-After", "7"));

        var result = await _provider.SendAsync(endpoint.Url());

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.True(result.Throttled);
        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
        Assert.Equal("429", result.ErrorCode);
    }

    [Fact]
    public async Task A_503_with_retry_after_throttles_and_an_absurd_retry_after_is_capped()
    {
        endpoint.Reset();
        endpoint.Answer = ScriptedEndpoint.Status(503, "", ("Retry-After", "99999999"));

        var result = await _provider.SendAsync(endpoint.Url());

        Assert.True(result.Throttled);
        Assert.Equal(new WebhookOptions().MaxRetryAfter, result.RetryAfter);
    }

    [Fact]
    public async Task A_receiver_can_abort_one_message_without_disabling_the_endpoint()
    {
        endpoint.Reset();
        endpoint.Answer = ScriptedEndpoint.Status(400, "bad event", ("webhook-delivery", "abort-message"));

        var result = await _provider.SendAsync(endpoint.Url());

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Null(result.SuppressReason);
        Assert.Contains("abort-message", result.ErrorMessage);
    }

    [Fact]
    public async Task The_response_excerpt_is_the_first_kibibyte_cut_at_a_character()
    {
        endpoint.Reset();
        // 'x' then 2-byte characters: byte 1024 falls in the middle of one.
        endpoint.Answer = ScriptedEndpoint.Status(500, "x" + new string('é', 1000));

        var result = await _provider.SendAsync(endpoint.Url());

        var excerpt = result.ResponseExcerpt!;
        Assert.Equal(1023, Encoding.UTF8.GetByteCount(excerpt));
        Assert.Equal("x" + new string('é', 511), excerpt);
    }

    [Fact]
    public async Task Nul_and_invalid_utf8_in_a_response_are_replaced()
    {
        endpoint.Reset();
        endpoint.Answer = async context =>
        {
            context.Response.StatusCode = 200;
            await context.Response.Body.WriteAsync(new byte[] { (byte)'o', (byte)'k', 0, 0xFF, (byte)'!' });
        };

        var result = await _provider.SendAsync(endpoint.Url());

        Assert.Equal("ok\uFFFD\uFFFD!", result.ResponseExcerpt);
    }
}
