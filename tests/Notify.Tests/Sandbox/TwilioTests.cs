using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Notify.Tests.Sandbox;

public sealed class TwilioTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    [Fact]
    public async Task A_valid_send_is_201_with_a_queued_SM_sid_and_is_recorded()
    {
        var deliveryId = NewDeliveryId();

        var response = await SendAsync(Form("+15558675310", "Your code is 123456"), deliveryId);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = await JsonAsync(response);
        var sid = message.GetProperty("sid").GetString()!;
        Assert.Matches("^SM[0-9a-f]{32}$", sid);
        Assert.Equal("queued", message.GetProperty("status").GetString());
        Assert.Equal("1", message.GetProperty("num_segments").GetString());
        Assert.Equal("+15558675310", message.GetProperty("to").GetString());
        Assert.Equal(SandboxFixture.TwilioSid, message.GetProperty("account_sid").GetString());
        var recorded = Assert.Single(await Sandbox.MessagesAsync("twilio", deliveryId));
        Assert.Equal(sid, recorded.GetProperty("providerMessageId").GetString());
        Assert.Equal("+15558675310", recorded.GetProperty("recipient").GetString());
    }

    [Fact]
    public async Task A_messaging_service_send_is_accepted_rather_than_queued()
    {
        var form = new Dictionary<string, string>
        {
            ["To"] = "+15558675310",
            ["MessagingServiceSid"] = "MG" + new string('a', 32),
            ["Body"] = "Hello",
            ["StatusCallback"] = "https://hooks.example.com/twilio/status",
        };

        var response = await SendAsync(form, NewDeliveryId());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("accepted", (await JsonAsync(response)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(SandboxFixture.TwilioSid, "wrong-token")]
    [InlineData("AC" + "ffffffffffffffffffffffffffffffff", SandboxFixture.TwilioToken)]
    [InlineData(null, null)]
    public async Task Bad_credentials_are_401_with_code_20003(string? user, string? password)
    {
        var request = Request(Form("+15558675310", "Hi"), null);
        request.Headers.Authorization = user is null ? null : Basic(user, password!);

        var response = await Sandbox.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await JsonAsync(response);
        Assert.Equal(20003, error.GetProperty("code").GetInt32());
        Assert.Equal(401, error.GetProperty("status").GetInt32());
        Assert.Equal("https://www.twilio.com/docs/errors/20003", error.GetProperty("more_info").GetString());
    }

    [Theory]
    [InlineData("5551234567", 21211)]
    [InlineData("", 21604)]
    public async Task An_invalid_or_missing_To_is_400_with_Twilios_code(string to, int code)
    {
        var response = await SendAsync(Form(to, "Hi"), NewDeliveryId());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await JsonAsync(response);
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Empty(await Sandbox.MessagesAsync("twilio"));
    }

    [Fact]
    public async Task A_missing_body_and_sender_are_rejected()
    {
        var noBody = await SendAsync(new Dictionary<string, string> { ["To"] = "+15558675310", ["From"] = "+14155552345" }, null);
        var noSender = await SendAsync(new Dictionary<string, string> { ["To"] = "+15558675310", ["Body"] = "Hi" }, null);

        Assert.Equal(21602, (await JsonAsync(noBody)).GetProperty("code").GetInt32());
        Assert.Equal(21603, (await JsonAsync(noSender)).GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_repeated_delivery_id_counts_as_a_duplicate()
    {
        var deliveryId = NewDeliveryId();

        await SendAsync(Form("+15558675310", "Hi"), deliveryId);
        await SendAsync(Form("+15558675310", "Hi"), deliveryId);
        await SendAsync(Form("+15558675310", "Hi"), deliveryId);

        var recorded = await Sandbox.MessagesAsync("twilio", deliveryId);
        Assert.Equal(3, recorded.Length);
        Assert.Equal(3, recorded[0].GetProperty("arrivals").GetInt32());
        Assert.Equal(2, (await Sandbox.StatsAsync("twilio")).GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task Injected_server_errors_are_500s_in_Twilios_shape()
    {
        await Sandbox.SetFaultsAsync(new { provider = "twilio", serverErrorPercent = 100 });

        var response = await SendAsync(Form("+15558675310", "Hi"), NewDeliveryId());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(20500, (await JsonAsync(response)).GetProperty("code").GetInt32());
        Assert.Equal(1, (await Sandbox.StatsAsync("twilio")).GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task Injected_throttling_is_429_code_20429_with_Retry_After()
    {
        await Sandbox.SetFaultsAsync(new { provider = "twilio", throttlePercent = 100, retryAfterSeconds = 3 });

        var response = await SendAsync(Form("+15558675310", "Hi"), NewDeliveryId());

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal(20429, (await JsonAsync(response)).GetProperty("code").GetInt32());
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_percentage_fails_exactly_that_share_of_requests()
    {
        await Sandbox.SetFaultsAsync(new { provider = "twilio", throttlePercent = 20, serverErrorPercent = 10 });

        var statuses = new List<int>();
        for (var i = 0; i < 100; i++)
        {
            statuses.Add((int)(await SendAsync(Form("+15558675310", "Hi"), null)).StatusCode);
        }

        Assert.Equal(20, statuses.Count(s => s == 429));
        Assert.Equal(10, statuses.Count(s => s == 500));
        Assert.Equal(70, statuses.Count(s => s == 201));
        Assert.NotEqual(Enumerable.Repeat(429, 20), statuses.Take(20));   // spread out, not a burst
    }

    [Fact]
    public async Task An_injected_timeout_accepts_the_message_but_withholds_the_answer_so_a_retry_is_a_duplicate()
    {
        var deliveryId = NewDeliveryId();
        await Sandbox.SetFaultsAsync(new { provider = "twilio", timeoutPercent = 100, timeoutSeconds = 30 });

        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SendAsync(Form("+15558675310", "Hi"), deliveryId, giveUp.Token));
        (await Sandbox.Client.DeleteAsync("/sandbox/faults")).EnsureSuccessStatusCode();
        var retry = await SendAsync(Form("+15558675310", "Hi"), deliveryId);

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(2, (await Sandbox.MessagesAsync("twilio", deliveryId)).Length);
        Assert.Equal(1, (await Sandbox.StatsAsync("twilio")).GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task An_injected_timeout_answers_once_the_hang_is_over()
    {
        await Sandbox.SetFaultsAsync(new { provider = "twilio", timeoutPercent = 100, timeoutSeconds = 30 });

        var pending = SendAsync(Form("+15558675310", "Hi"), NewDeliveryId());
        await Task.Delay(200);
        Assert.False(pending.IsCompleted);
        for (var i = 0; i < 100 && !pending.IsCompleted; i++)
        {
            Sandbox.Clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(20);
        }

        Assert.Equal(HttpStatusCode.Created, (await pending).StatusCode);
    }

    [Fact]
    public async Task An_outage_answers_503_until_it_ends()
    {
        await Sandbox.SetFaultsAsync(new { provider = "twilio", outageUntil = Sandbox.Clock.GetUtcNow().AddMinutes(5) });

        var during = await SendAsync(Form("+15558675310", "Hi"), NewDeliveryId());
        Sandbox.Clock.Advance(TimeSpan.FromMinutes(6));
        var after = await SendAsync(Form("+15558675310", "Hi"), NewDeliveryId());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(300), during.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    [Fact]
    public async Task Recipients_matching_the_invalid_pattern_get_21211_and_clearing_faults_restores_them()
    {
        await Sandbox.SetFaultsAsync(new { provider = "twilio", invalidRecipientPattern = @"^\+1500555" });

        var rejected = await SendAsync(Form("+15005550001", "Hi"), NewDeliveryId());
        (await Sandbox.Client.DeleteAsync("/sandbox/faults?provider=twilio")).EnsureSuccessStatusCode();
        var accepted = await SendAsync(Form("+15005550001", "Hi"), NewDeliveryId());

        Assert.Equal(21211, (await JsonAsync(rejected)).GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    private static Dictionary<string, string> Form(string to, string body) => new()
    {
        ["To"] = to,
        ["From"] = "+14155552345",
        ["Body"] = body,
    };

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static HttpRequestMessage Request(Dictionary<string, string> form, string? deliveryId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/2010-04-01/Accounts/{SandboxFixture.TwilioSid}/Messages.json")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = Basic(SandboxFixture.TwilioSid, SandboxFixture.TwilioToken);
        if (deliveryId is not null)
        {
            request.Headers.Add("X-Notify-Delivery-Id", deliveryId);
        }
        return request;
    }

    private Task<HttpResponseMessage> SendAsync(Dictionary<string, string> form, string? deliveryId, CancellationToken cancellationToken = default) =>
        Sandbox.Client.SendAsync(Request(form, deliveryId), cancellationToken);
}
