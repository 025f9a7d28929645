using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Notify.Delivery.Providers;
using Notify.Push.Fcm;
using Notify.Tests.Sandbox;

namespace Notify.Tests.Push;

/// <summary>The FCM provider against the sandbox's FCM HTTP v1 and OAuth token endpoint.</summary>
public sealed class FcmPushProviderTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    [Fact]
    public async Task A_delivery_is_sent_with_a_service_account_token_and_seen_once_under_its_delivery_id()
    {
        var kit = Kit();
        var delivery = PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken());

        var result = await kit.Fcm().SendAsync(delivery, PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.StartsWith($"projects/{PushTestKit.Project}/messages/0:", result.ProviderMessageId);
        var seen = Assert.Single(await Sandbox.MessagesAsync("fcm", delivery.Id.ToString()));
        Assert.Equal(delivery.Recipient, seen.GetProperty("recipient").GetString());
        Assert.Equal(result.ProviderMessageId, seen.GetProperty("providerMessageId").GetString());
    }

    [Fact]
    public async Task The_access_token_is_shared_and_reused_until_shortly_before_it_expires()
    {
        var kit = Kit();
        var fcm = kit.Fcm();

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            fcm.SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None)));
        var afterBurst = kit.Http.TokenRequests;
        Advance(TimeSpan.FromSeconds(3599) - FcmAccessTokenSource.RefreshMargin - TimeSpan.FromSeconds(1));
        await fcm.SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);
        var beforeMargin = kit.Http.TokenRequests;
        Advance(TimeSpan.FromSeconds(2));
        var last = await fcm.SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(1, afterBurst);
        Assert.Equal(1, beforeMargin);
        Assert.Equal(2, kit.Http.TokenRequests);
        Assert.Equal(ProviderOutcome.Sent, last.Outcome);
    }

    [Fact]
    public async Task A_token_FCM_refuses_is_refreshed_once_and_the_message_still_goes()
    {
        var kit = Kit();
        var fcm = kit.Fcm();
        await fcm.SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);
        // Only the sandbox's clock moves: its token has expired, ours still looks fresh.
        Sandbox.Clock.Advance(TimeSpan.FromHours(1));
        var delivery = PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken());

        var result = await fcm.SendAsync(delivery, PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Equal(2, kit.Http.TokenRequests);
        Assert.Single(await Sandbox.MessagesAsync("fcm", delivery.Id.ToString()));
    }

    [Fact]
    public async Task An_assertion_the_token_endpoint_refuses_is_a_credentials_problem()
    {
        using var wrongKey = RSA.Create(2048);
        var kit = Kit();

        var result = await kit.Fcm(kit.FcmOptions(wrongKey)).SendAsync(
            PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Credentials, result.Outcome);
        Assert.Equal("invalid_grant", result.ErrorCode);
        Assert.Equal(400, result.HttpStatus);
        Assert.Empty(await Sandbox.MessagesAsync("fcm"));
    }

    [Fact]
    public async Task UNREGISTERED_is_permanent_and_puts_the_token_on_the_suppression_list()
    {
        await Sandbox.SetFaultsAsync(new { provider = "fcm", invalidRecipientPattern = "^gone-" });

        var result = await Kit().Fcm().SendAsync(PushTestKit.Delivery("fcm", "gone-" + PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal("UNREGISTERED", result.ErrorCode);
        Assert.Equal(404, result.HttpStatus);
        Assert.Equal("unregistered", result.SuppressReason);
    }

    [Fact]
    public async Task QUOTA_EXCEEDED_is_retryable_throttles_the_project_and_keeps_Retry_After()
    {
        await Sandbox.SetFaultsAsync(new { provider = "fcm", throttlePercent = 100, retryAfterSeconds = 90 });

        var result = await Kit().Fcm().SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.True(result.Throttled);
        Assert.Equal("QUOTA_EXCEEDED", result.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(90), result.RetryAfter);
    }

    [Fact]
    public async Task INTERNAL_and_UNAVAILABLE_are_retryable()
    {
        var fcm = Kit().Fcm();
        await Sandbox.SetFaultsAsync(new { provider = "fcm", serverErrorPercent = 100 });
        var internalError = await fcm.SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);
        await Sandbox.SetFaultsAsync(new { provider = "fcm", outageUntil = Sandbox.Clock.GetUtcNow().AddSeconds(30) });
        var unavailable = await fcm.SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal((ProviderOutcome.Retryable, "INTERNAL", false), (internalError.Outcome, internalError.ErrorCode, internalError.Throttled));
        Assert.Equal((ProviderOutcome.Retryable, "UNAVAILABLE"), (unavailable.Outcome, unavailable.ErrorCode));
        Assert.Equal(TimeSpan.FromSeconds(30), unavailable.RetryAfter);
    }

    [Fact]
    public async Task A_payload_over_4_KiB_is_INVALID_ARGUMENT_and_permanent_without_suppressing_the_token()
    {
        var content = PushTestKit.Alert(body: new string('x', 4_200));

        var result = await Kit().Fcm().SendAsync(PushTestKit.Delivery("fcm", PushTestKit.NewFcmToken()), content, CancellationToken.None);

        Assert.Equal((ProviderOutcome.Permanent, "INVALID_ARGUMENT", 400), (result.Outcome, result.ErrorCode, result.HttpStatus));
        Assert.Null(result.SuppressReason);
    }

    private PushTestKit Kit() => new(Sandbox, Clock);

    // The provider's clock, moved with the sandbox's unless a test says otherwise.
    private FakeTimeProvider Clock { get; } = new(sandbox.Clock.GetUtcNow());

    private void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Sandbox.Clock.Advance(by);
    }
}
