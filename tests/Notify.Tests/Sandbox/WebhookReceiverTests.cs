using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Notify.Tests.Webhook;
using Notify.Webhook.Signing;

namespace Notify.Tests.Sandbox;

/// <summary>
/// The sandbox's webhook receiver checks Standard Webhooks signatures as a tenant's endpoint
/// would, records what it accepted, and fails on request.
/// </summary>
public sealed class WebhookReceiverTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    private static readonly WebhookSigner Signer = new([WebhookSecret.Parse(SandboxFixture.WebhookSecret)]);

    [Fact]
    public async Task A_signed_webhook_is_accepted_recorded_and_kept_as_it_arrived()
    {
        var id = NewDeliveryId();
        const string body = """{"type":"invoice.paid","timestamp":"2026-11-23T12:00:00.000Z","data":{"id":"in_1"}}""";

        var response = await PostAsync("acme", id, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = Assert.Single(await Sandbox.MessagesAsync("webhook", id));
        Assert.Equal("acme", recorded.GetProperty("recipient").GetString());
        Assert.Equal(id, recorded.GetProperty("providerMessageId").GetString());
        var received = Assert.Single(await ReceivedAsync(id));
        Assert.Equal(body, received.GetProperty("body").GetString());
        var headers = received.GetProperty("headers").Deserialize<Dictionary<string, string>>()!;
        Assert.True(SpecVerifier.Verify(SandboxFixture.WebhookSecret, headers, body, Sandbox.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task The_same_webhook_id_twice_counts_two_arrivals()
    {
        var id = NewDeliveryId();

        await PostAsync("acme", id, "{}");
        await PostAsync("acme", id, "{}");

        var messages = await Sandbox.MessagesAsync("webhook", id);
        Assert.Equal(2, messages.Length);
        Assert.All(messages, m => Assert.Equal(2, m.GetProperty("arrivals").GetInt32()));
    }

    [Fact]
    public async Task A_rotation_header_verifies_when_any_entry_matches()
    {
        var id = NewDeliveryId();
        var now = Sandbox.Clock.GetUtcNow().ToUnixTimeSeconds();
        var other = new WebhookSigner([WebhookSecret.Parse(SpecVerifier.NewSecret())]).Sign(id, now, "{}"u8);
        var ours = Signer.Sign(id, now, "{}"u8);

        var response = await PostAsync("acme", id, "{}", signature: other + " " + ours);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("tampered body")]
    [InlineData("stale timestamp")]
    [InlineData("future timestamp")]
    [InlineData("unknown secret")]
    [InlineData("missing signature")]
    [InlineData("v1a only")]
    public async Task A_bad_or_stale_signature_is_401_and_nothing_is_recorded(string @case)
    {
        var id = NewDeliveryId();
        var now = Sandbox.Clock.GetUtcNow();
        var timestamp = @case switch
        {
            "stale timestamp" => now.AddMinutes(-6),
            "future timestamp" => now.AddMinutes(6),
            _ => now,
        };
        var signature = @case switch
        {
            "unknown secret" => new WebhookSigner([WebhookSecret.Parse(SpecVerifier.NewSecret())]).Sign(id, timestamp.ToUnixTimeSeconds(), "{\"a\":1}"u8),
            "missing signature" => null,
            "v1a only" => "v1a," + Signer.Sign(id, timestamp.ToUnixTimeSeconds(), "{\"a\":1}"u8)[3..],
            _ => Signer.Sign(id, timestamp.ToUnixTimeSeconds(), "{\"a\":1}"u8),
        };
        var body = @case == "tampered body" ? "{\"a\":2}" : "{\"a\":1}";

        var response = await PostAsync("acme", id, body, timestamp, signature, sign: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await Sandbox.MessagesAsync("webhook", id));
        Assert.Empty(await ReceivedAsync(id));
    }

    [Fact]
    public async Task Injected_faults_answer_429_with_retry_after_500_and_503()
    {
        await Sandbox.SetFaultsAsync(new { provider = "webhook", throttlePercent = 100, retryAfterSeconds = 7 });
        var throttled = await PostAsync("acme", NewDeliveryId(), "{}");
        await Sandbox.SetFaultsAsync(new { provider = "webhook", serverErrorPercent = 100 });
        var failed = await PostAsync("acme", NewDeliveryId(), "{}");
        await Sandbox.SetFaultsAsync(new { provider = "webhook", outageUntil = Sandbox.Clock.GetUtcNow().AddSeconds(60) });
        var down = await PostAsync("acme", NewDeliveryId(), "{}");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), down.Headers.RetryAfter?.Delta);
        Assert.Empty(await Sandbox.MessagesAsync("webhook"));
    }

    [Fact]
    public async Task Endpoints_matching_the_invalid_pattern_are_gone()
    {
        await Sandbox.SetFaultsAsync(new { provider = "webhook", invalidRecipientPattern = "^gone-" });

        var gone = await PostAsync("gone-acme", NewDeliveryId(), "{}");
        var fine = await PostAsync("acme", NewDeliveryId(), "{}");

        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string endpoint, string id, string body,
        DateTimeOffset? timestamp = null, string? signature = null, bool sign = true)
    {
        var ts = (timestamp ?? Sandbox.Clock.GetUtcNow()).ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/{endpoint}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", ts.ToString());
        var header = sign ? signature ?? Signer.Sign(id, ts, Encoding.UTF8.GetBytes(body)) : signature;
        if (header is not null)
        {
            request.Headers.Add("webhook-signature", header);
        }
        return await Sandbox.Client.SendAsync(request);
    }

    private async Task<JsonElement[]> ReceivedAsync(string id)
    {
        var answer = await Sandbox.Client.GetFromJsonAsync<JsonElement>($"/sandbox/webhooks?deliveryId={id}");
        return [.. answer.GetProperty("requests").EnumerateArray()];
    }
}
