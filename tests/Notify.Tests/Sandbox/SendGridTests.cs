using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Notify.Tests.Sandbox;

public sealed class SendGridTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    [Fact]
    public async Task A_valid_send_is_accepted_with_a_message_id_and_recorded_under_its_delivery_id()
    {
        var deliveryId = NewDeliveryId();

        var response = await SendAsync(Mail("alex@example.com", deliveryId));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
        var messageId = Assert.Single(response.Headers.GetValues("X-Message-Id"));
        Assert.Matches("^[A-Za-z0-9_-]{22}$", messageId);
        var recorded = Assert.Single(await Sandbox.MessagesAsync("sendgrid", deliveryId));
        Assert.Equal("alex@example.com", recorded.GetProperty("recipient").GetString());
        Assert.Equal(messageId, recorded.GetProperty("providerMessageId").GetString());
        Assert.Equal(1, recorded.GetProperty("arrivals").GetInt32());
    }

    [Fact]
    public async Task Each_personalization_is_recorded_with_its_own_delivery_id()
    {
        var body = """
            {"personalizations":[
               {"to":[{"email":"a@example.com"}],"custom_args":{"delivery_id":"pers-1"}},
               {"to":[{"email":"b@example.com"}]}],
             "custom_args":{"delivery_id":"top"},
             "from":{"email":"noreply@example.com"},"template_id":"d-4ad23ad40a0e47d0a0232b85f24ca5c2"}
            """;

        var response = await SendAsync(body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("a@example.com", Assert.Single(await Sandbox.MessagesAsync("sendgrid", "pers-1")).GetProperty("recipient").GetString());
        Assert.Equal("b@example.com", Assert.Single(await Sandbox.MessagesAsync("sendgrid", "top")).GetProperty("recipient").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("SG.wrong.key")]
    public async Task A_missing_or_wrong_key_is_401_in_SendGrids_error_shape(string? key)
    {
        var response = await SendAsync(Mail("alex@example.com", NewDeliveryId()), key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = Assert.Single((await JsonAsync(response)).GetProperty("errors").EnumerateArray());
        Assert.Equal("authorization required", error.GetProperty("message").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, error.GetProperty("field").ValueKind);
        Assert.Empty(await Sandbox.MessagesAsync("sendgrid"));
        Assert.Equal(1, (await Sandbox.StatsAsync("sendgrid")).GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task Validation_errors_name_every_offending_field()
    {
        var body = """{"personalizations":[{"to":[{"email":"not-an-address"}]}],"from":{"name":"No email"}}""";

        var response = await SendAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fields = (await JsonAsync(response)).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("personalizations.0.to.0.email", fields);
        Assert.Contains("from", fields);
        Assert.Contains("subject", fields);
        Assert.Contains("content", fields);
    }

    [Fact]
    public async Task Missing_personalizations_and_a_non_json_body_are_rejected()
    {
        var missing = await SendAsync("""{"from":{"email":"a@example.com"},"subject":"s","content":[{"type":"text/plain","value":"x"}]}""");
        var garbage = await SendAsync("{not json");

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("personalizations", (await JsonAsync(missing)).GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
    }

    [Fact]
    public async Task The_same_delivery_id_twice_is_counted_as_a_duplicate()
    {
        var deliveryId = NewDeliveryId();

        await SendAsync(Mail("alex@example.com", deliveryId));
        await SendAsync(Mail("alex@example.com", deliveryId));

        var recorded = await Sandbox.MessagesAsync("sendgrid", deliveryId);
        Assert.Equal(2, recorded.Length);
        Assert.All(recorded, m => Assert.Equal(2, m.GetProperty("arrivals").GetInt32()));
        Assert.Equal([1, 2], recorded.Select(m => m.GetProperty("arrival").GetInt32()));
        var stats = await Sandbox.StatsAsync("sendgrid");
        Assert.Equal(2, stats.GetProperty("accepted").GetInt64());
        Assert.Equal(1, stats.GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task An_injected_throttle_is_429_with_Retry_After_and_rate_limit_headers()
    {
        await Sandbox.SetFaultsAsync(new { provider = "sendgrid", throttlePercent = 100, retryAfterSeconds = 7 });

        var response = await SendAsync(Mail("alex@example.com", NewDeliveryId()));

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("0", Assert.Single(response.Headers.GetValues("X-RateLimit-Remaining")));
        Assert.Equal("too many requests", (await JsonAsync(response)).GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Empty(await Sandbox.MessagesAsync("sendgrid"));
    }

    [Fact]
    public async Task An_invalid_recipient_pattern_rejects_matching_addresses_permanently()
    {
        await Sandbox.SetFaultsAsync(new { provider = "sendgrid", invalidRecipientPattern = "^bounce@" });

        var rejected = await SendAsync(Mail("bounce@example.com", NewDeliveryId()));
        var accepted = await SendAsync(Mail("alex@example.com", NewDeliveryId()));

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal("personalizations.0.to.0.email", (await JsonAsync(rejected)).GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    internal static string Mail(string to, string deliveryId) => $$$"""
        {"personalizations":[{"to":[{"email":"{{{to}}}","name":"Alex"}],"custom_args":{"delivery_id":"{{{deliveryId}}}"}}],
         "from":{"email":"noreply@example.com"},
         "subject":"Your code",
         "content":[{"type":"text/plain","value":"Code: 123456"}]}
        """;

    private Task<HttpResponseMessage> SendAsync(string json, string? key = SandboxFixture.SendGridKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return Sandbox.Client.SendAsync(request);
    }
}
