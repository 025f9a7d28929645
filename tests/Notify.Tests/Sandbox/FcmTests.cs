using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Notify.Push.Tokens;

namespace Notify.Tests.Sandbox;

public sealed class FcmTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    private string Assertion => SignedAssertion();

    [Fact]
    public async Task A_token_from_the_sandbox_sends_a_message_that_is_recorded()
    {
        var deliveryId = NewDeliveryId();
        var token = await TokenAsync();

        var response = await SendAsync(token, Message("device-token-1", deliveryId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var name = (await JsonAsync(response)).GetProperty("name").GetString()!;
        Assert.StartsWith("projects/my-proj/messages/0:", name);
        var recorded = Assert.Single(await Sandbox.MessagesAsync("fcm", deliveryId));
        Assert.Equal(name, recorded.GetProperty("providerMessageId").GetString());
        Assert.Equal("device-token-1", recorded.GetProperty("recipient").GetString());
    }

    [Fact]
    public async Task The_token_endpoint_rejects_a_malformed_assertion_and_a_wrong_grant()
    {
        var malformed = await Sandbox.Client.PostAsync("/token", Form("urn:ietf:params:oauth:grant-type:jwt-bearer", "not-a-jwt"));
        var wrongGrant = await Sandbox.Client.PostAsync("/token", Form("client_credentials", Assertion));

        Assert.Equal("invalid_grant", (await JsonAsync(malformed)).GetProperty("error").GetString());
        Assert.Equal("unsupported_grant_type", (await JsonAsync(wrongGrant)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_assertion_is_checked_as_Google_checks_it()
    {
        using var otherKey = RSA.Create(2048);
        var now = Sandbox.Clock.GetUtcNow().ToUnixTimeSeconds();

        var wrongKey = await TokenErrorAsync(SignedAssertion(key: otherKey));
        var unknownAccount = await TokenErrorAsync(SignedAssertion(issuer: "someone@else.iam.gserviceaccount.com"));
        var longLived = await TokenErrorAsync(SignedAssertion(iat: now, exp: now + 7200));
        var expired = await TokenErrorAsync(SignedAssertion(iat: now - 7200, exp: now - 3600));
        var otherScope = await TokenErrorAsync(SignedAssertion(scope: "https://www.googleapis.com/auth/userinfo.email"));

        Assert.Equal(("invalid_grant", "Invalid JWT Signature."), wrongKey);
        Assert.Equal(("invalid_grant", "Invalid grant: account not found"), unknownAccount);
        Assert.Equal("invalid_grant", longLived.Error);
        Assert.Contains("short-lived", longLived.Description);
        Assert.Equal("invalid_grant", expired.Error);
        Assert.Equal("invalid_scope", otherScope.Error);
    }

    [Fact]
    public async Task An_unknown_or_expired_token_is_401_UNAUTHENTICATED_without_an_FcmError()
    {
        var token = await TokenAsync();
        var unknown = await SendAsync("ya29.made-up", Message("device-token-1", NewDeliveryId()));
        Sandbox.Clock.Advance(TimeSpan.FromHours(1));
        var expired = await SendAsync(token, Message("device-token-1", NewDeliveryId()));

        foreach (var response in new[] { unknown, expired })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var error = (await JsonAsync(response)).GetProperty("error");
            Assert.Equal("UNAUTHENTICATED", error.GetProperty("status").GetString());
            Assert.Equal(0, error.GetProperty("details").GetArrayLength());
        }
    }

    [Fact]
    public async Task A_message_with_two_targets_is_INVALID_ARGUMENT()
    {
        var response = await SendAsync(await TokenAsync(), """{"message":{"token":"t","topic":"news"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", (await JsonAsync(response)).GetProperty("error").GetProperty("details")[0].GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task Tokens_matching_the_invalid_pattern_are_404_UNREGISTERED()
    {
        await Sandbox.SetFaultsAsync(new { provider = "fcm", invalidRecipientPattern = "^unregistered-" });

        var response = await SendAsync(await TokenAsync(), Message("unregistered-abc", NewDeliveryId()));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal("NOT_FOUND", error.GetProperty("status").GetString());
        Assert.Equal("UNREGISTERED", error.GetProperty("details")[0].GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task Injected_throttling_is_429_QUOTA_EXCEEDED_with_Retry_After()
    {
        await Sandbox.SetFaultsAsync(new { provider = "fcm", throttlePercent = 100, retryAfterSeconds = 60 });

        var response = await SendAsync(await TokenAsync(), Message("device-token-1", NewDeliveryId()));

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("QUOTA_EXCEEDED", (await JsonAsync(response)).GetProperty("error").GetProperty("details")[0].GetProperty("errorCode").GetString());
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_repeated_delivery_id_counts_as_a_duplicate()
    {
        var token = await TokenAsync();
        var deliveryId = NewDeliveryId();

        await SendAsync(token, Message("device-token-1", deliveryId));
        await SendAsync(token, Message("device-token-1", deliveryId));

        Assert.Equal(1, (await Sandbox.StatsAsync("fcm")).GetProperty("duplicates").GetInt64());
    }

    private async Task<string> TokenAsync()
    {
        var response = await Sandbox.Client.PostAsync("/token", Form("urn:ietf:params:oauth:grant-type:jwt-bearer", Assertion));
        var body = await JsonAsync(response);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.True(body.GetProperty("expires_in").GetInt32() > 0);
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>A JWT-bearer assertion as a service account signs it (RS256), with one thing changed on request.</summary>
    private string SignedAssertion(RSA? key = null, string issuer = SandboxFixture.FcmServiceAccount, long? iat = null, long? exp = null,
        string scope = "https://www.googleapis.com/auth/firebase.messaging")
    {
        var now = Sandbox.Clock.GetUtcNow().ToUnixTimeSeconds();
        return CompactJwt.Create(
            new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT" },
            new Dictionary<string, object>
            {
                ["iss"] = issuer,
                ["scope"] = scope,
                ["aud"] = "http://localhost/token",
                ["iat"] = iat ?? now,
                ["exp"] = exp ?? now + 3600,
            },
            data => (key ?? Sandbox.FcmKey).SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private async Task<(string Error, string Description)> TokenErrorAsync(string assertion)
    {
        var response = await Sandbox.Client.PostAsync("/token", Form("urn:ietf:params:oauth:grant-type:jwt-bearer", assertion));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await JsonAsync(response);
        return (body.GetProperty("error").GetString()!, body.GetProperty("error_description").GetString()!);
    }

    private static FormUrlEncodedContent Form(string grant, string assertion) =>
        new(new Dictionary<string, string> { ["grant_type"] = grant, ["assertion"] = assertion });

    private static string Message(string token, string deliveryId) => $$$"""
        {"message":{"token":"{{{token}}}","notification":{"title":"Order shipped","body":"A123"},
                    "data":{"delivery_id":"{{{deliveryId}}}","order_id":"A123"} } }
        """;

    private Task<HttpResponseMessage> SendAsync(string token, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/projects/my-proj/messages:send")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Sandbox.Client.SendAsync(request);
    }
}
