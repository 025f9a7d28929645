using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Notify.Push.Tokens;

namespace Notify.Tests.Sandbox;

public sealed class ApnsTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    private const string DeviceToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private const string Alert = """{"aps":{"alert":{"title":"Order shipped","body":"A123"}}}""";

    [Fact]
    public async Task An_accepted_notification_answers_200_with_its_apns_id_and_is_recorded_under_it()
    {
        var apnsId = NewDeliveryId();

        var response = await SendAsync(Request(apnsId: apnsId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(apnsId, Assert.Single(response.Headers.GetValues("apns-id")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var recorded = Assert.Single(await Sandbox.MessagesAsync("apns", apnsId));
        Assert.Equal(DeviceToken, recorded.GetProperty("recipient").GetString());
        Assert.Equal(apnsId, recorded.GetProperty("providerMessageId").GetString());
    }

    [Fact]
    public async Task Http_1_is_refused()
    {
        var request = Request();
        request.Version = HttpVersion.Version11;

        var response = await SendAsync(request);

        Assert.Equal(HttpStatusCode.HttpVersionNotSupported, response.StatusCode);
        Assert.Empty(await Sandbox.MessagesAsync("apns"));
    }

    [Fact]
    public async Task Provider_tokens_are_checked_against_the_configured_key()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = Sandbox.Clock.GetUtcNow().ToUnixTimeSeconds();

        var missing = await SendAsync(Request(token: null));
        var wrongKey = await SendAsync(Request(token: ProviderToken(key: otherKey)));
        var unknownKid = await SendAsync(Request(token: ProviderToken(keyId: "OTHERKEY01")));
        var otherTeam = await SendAsync(Request(token: ProviderToken(teamId: "OTHERTEAM1")));
        var hourOld = await SendAsync(Request(token: ProviderToken(iat: now - 3601)));

        Assert.Equal((403, "MissingProviderToken"), await ReasonAsync(missing));
        Assert.Equal((403, "InvalidProviderToken"), await ReasonAsync(wrongKey));
        Assert.Equal((403, "InvalidProviderToken"), await ReasonAsync(unknownKid));
        Assert.Equal((403, "InvalidProviderToken"), await ReasonAsync(otherTeam));
        Assert.Equal((403, "ExpiredProviderToken"), await ReasonAsync(hourOld));
        Assert.Empty(await Sandbox.MessagesAsync("apns"));
    }

    [Theory]
    [InlineData("apns-topic", null, 400, "MissingTopic")]
    [InlineData("apns-topic", "com.example.other", 400, "TopicDisallowed")]
    [InlineData("apns-push-type", "shout", 400, "InvalidPushType")]
    [InlineData("apns-priority", "7", 400, "BadPriority")]
    [InlineData("apns-expiration", "tomorrow", 400, "BadExpirationDate")]
    [InlineData("apns-id", "not-a-uuid", 400, "BadMessageId")]
    [InlineData("apns-collapse-id", "0123456789012345678901234567890123456789012345678901234567890123456789", 400, "BadCollapseId")]
    public async Task Bad_headers_are_refused_with_Apples_reason(string header, string? value, int status, string reason)
    {
        var request = Request();
        request.Headers.Remove(header);
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        Assert.Equal((status, reason), await ReasonAsync(await SendAsync(request)));
    }

    [Fact]
    public async Task A_background_push_must_not_claim_priority_10()
    {
        var request = Request(payload: """{"aps":{"content-available":1}}""");
        request.Headers.Remove("apns-push-type");
        request.Headers.Add("apns-push-type", "background");

        Assert.Equal((400, "BadPriority"), await ReasonAsync(await SendAsync(request)));
    }

    [Theory]
    [InlineData("not-hex-at-all")]
    [InlineData("a1b2c3")]
    public async Task A_malformed_device_token_is_BadDeviceToken(string deviceToken)
    {
        Assert.Equal((400, "BadDeviceToken"), await ReasonAsync(await SendAsync(Request(deviceToken: deviceToken))));
    }

    [Fact]
    public async Task Payloads_must_be_a_notification_within_4_KiB()
    {
        var large = $$"""{"aps":{"alert":"hi"},"blob":"{{new string('x', 4096)}}"}""";

        Assert.Equal((413, "PayloadTooLarge"), await ReasonAsync(await SendAsync(Request(payload: large))));
        Assert.Equal((400, "PayloadEmpty"), await ReasonAsync(await SendAsync(Request(payload: ""))));
        Assert.Equal((400, "PayloadEmpty"), await ReasonAsync(await SendAsync(Request(payload: """{"alert":"no aps"}"""))));
    }

    [Fact]
    public async Task Tokens_matching_the_invalid_pattern_are_410_Unregistered_with_a_timestamp()
    {
        await Sandbox.SetFaultsAsync(new { provider = "apns", invalidRecipientPattern = "^dead" });
        var deadToken = "dead" + DeviceToken[4..];

        var response = await SendAsync(Request(deviceToken: deadToken));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal("Unregistered", body.GetProperty("reason").GetString());
        Assert.Equal(Sandbox.Clock.GetUtcNow().ToUnixTimeMilliseconds(), body.GetProperty("timestamp").GetInt64());
    }

    [Fact]
    public async Task Injected_faults_answer_in_Apples_words()
    {
        await Sandbox.SetFaultsAsync(new { provider = "apns", throttlePercent = 100 });
        var throttled = await SendAsync(Request());
        await Sandbox.SetFaultsAsync(new { provider = "apns", serverErrorPercent = 100 });
        var failed = await SendAsync(Request());
        await Sandbox.SetFaultsAsync(new { provider = "apns", outageUntil = Sandbox.Clock.GetUtcNow().AddMinutes(5) });
        var down = await SendAsync(Request());

        Assert.Equal((429, "TooManyRequests"), await ReasonAsync(throttled));
        Assert.Null(throttled.Headers.RetryAfter);
        Assert.Equal((500, "InternalServerError"), await ReasonAsync(failed));
        Assert.Equal((503, "ServiceUnavailable"), await ReasonAsync(down));
        Assert.Equal(3, (await Sandbox.StatsAsync("apns")).GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task A_repeated_apns_id_counts_as_a_duplicate()
    {
        var apnsId = NewDeliveryId();

        await SendAsync(Request(apnsId: apnsId));
        await SendAsync(Request(apnsId: apnsId));

        Assert.Equal(1, (await Sandbox.StatsAsync("apns")).GetProperty("duplicates").GetInt64());
        Assert.Equal(2, (await Sandbox.MessagesAsync("apns", apnsId))[^1].GetProperty("arrivals").GetInt32());
    }

    private HttpRequestMessage Request(string deviceToken = DeviceToken, string? apnsId = null, string payload = Alert, string? token = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/3/device/" + deviceToken)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("bearer", token.Length == 0 ? ProviderToken() : token);
        }
        request.Headers.Add("apns-topic", SandboxFixture.ApnsTopic);
        request.Headers.Add("apns-push-type", "alert");
        request.Headers.Add("apns-priority", "10");
        request.Headers.Add("apns-id", apnsId ?? NewDeliveryId());
        return request;
    }

    private string ProviderToken(ECDsa? key = null, string keyId = SandboxFixture.ApnsKeyId, string teamId = SandboxFixture.ApnsTeamId, long? iat = null) =>
        CompactJwt.Create(
            new Dictionary<string, object> { ["alg"] = "ES256", ["kid"] = keyId },
            new Dictionary<string, object> { ["iss"] = teamId, ["iat"] = iat ?? Sandbox.Clock.GetUtcNow().ToUnixTimeSeconds() },
            data => (key ?? Sandbox.ApnsKey).SignData(data, HashAlgorithmName.SHA256));

    private Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => Sandbox.Client.SendAsync(request);

    private static async Task<(int Status, string Reason)> ReasonAsync(HttpResponseMessage response) =>
        ((int)response.StatusCode, (await JsonAsync(response)).GetProperty("reason").GetString()!);
}
