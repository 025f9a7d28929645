using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Tests.Sandbox;

namespace Notify.Tests.Push;

/// <summary>The APNs provider against the sandbox's APNs endpoint (HTTP/2, ES256 provider tokens).</summary>
public sealed class ApnsPushProviderTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    [Fact]
    public async Task A_delivery_is_sent_with_its_delivery_id_as_apns_id_and_seen_once()
    {
        var delivery = PushTestKit.Delivery("apns", PushTestKit.NewApnsToken(), expiresAt: DateTime.UtcNow.AddHours(1));

        var result = await Kit().Apns().SendAsync(delivery, PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Equal(delivery.Id.ToString(), result.ProviderMessageId);
        var seen = Assert.Single(await Sandbox.MessagesAsync("apns", delivery.Id.ToString()));
        Assert.Equal(delivery.Recipient, seen.GetProperty("recipient").GetString());
    }

    [Fact]
    public async Task A_data_only_notification_goes_as_a_background_push_at_priority_5()
    {
        var content = new Content { Push = new PushContent { Data = { ["sync"] = "inbox" } } };

        var result = await Kit().Apns().SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), content, CancellationToken.None);

        // The sandbox refuses a background push at priority 10 (BadPriority), as APNs does.
        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
    }

    [Fact]
    public async Task An_expired_provider_token_is_a_credentials_problem_replaced_only_once_the_20_minute_rule_allows()
    {
        var apns = Kit().Apns();
        // The provider's clock runs 45 minutes behind Apple's: its token expires there at 15 minutes.
        Sandbox.Clock.Advance(TimeSpan.FromMinutes(45));
        var first = await apns.SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);
        Advance(TimeSpan.FromMinutes(16));

        var expired = await apns.SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);
        var stillHeld = await apns.SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);
        Advance(TimeSpan.FromMinutes(4));
        var replaced = await apns.SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal(ProviderOutcome.Sent, first.Outcome);
        Assert.Equal((ProviderOutcome.Credentials, "ExpiredProviderToken", 403), (expired.Outcome, expired.ErrorCode, expired.HttpStatus));
        Assert.Equal((ProviderOutcome.Credentials, "ExpiredProviderToken"), (stillHeld.Outcome, stillHeld.ErrorCode));
        Assert.Equal(ProviderOutcome.Sent, replaced.Outcome);
    }

    [Fact]
    public async Task A_key_APNs_does_not_know_is_a_credentials_problem()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kit = Kit();

        var result = await kit.Apns(kit.ApnsOptions(otherKey)).SendAsync(
            PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal((ProviderOutcome.Credentials, "InvalidProviderToken", 403), (result.Outcome, result.ErrorCode, result.HttpStatus));
    }

    [Fact]
    public async Task Unregistered_is_permanent_and_puts_the_token_on_the_suppression_list()
    {
        await Sandbox.SetFaultsAsync(new { provider = "apns", invalidRecipientPattern = "^dead" });
        var token = "dead" + PushTestKit.NewApnsToken()[4..];

        var result = await Kit().Apns().SendAsync(PushTestKit.Delivery("apns", token), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal((ProviderOutcome.Permanent, "Unregistered", 410), (result.Outcome, result.ErrorCode, result.HttpStatus));
        Assert.Equal("unregistered", result.SuppressReason);
        Assert.Contains(Sandbox.Clock.GetUtcNow().ToString("yyyy-MM-dd"), result.ErrorMessage);
    }

    [Fact]
    public async Task BadDeviceToken_is_permanent_and_suppressed()
    {
        var result = await Kit().Apns().SendAsync(PushTestKit.Delivery("apns", "abcd"), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal((ProviderOutcome.Permanent, "BadDeviceToken", 400), (result.Outcome, result.ErrorCode, result.HttpStatus));
        Assert.Equal("unregistered", result.SuppressReason);
    }

    [Fact]
    public async Task A_payload_over_4_KiB_is_permanent_without_suppressing_the_token()
    {
        var result = await Kit().Apns().SendAsync(
            PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(body: new string('x', 4_200)), CancellationToken.None);

        Assert.Equal((ProviderOutcome.Permanent, "PayloadTooLarge", 413), (result.Outcome, result.ErrorCode, result.HttpStatus));
        Assert.Null(result.SuppressReason);
    }

    [Fact]
    public async Task TooManyRequests_throttles_and_server_errors_are_retryable()
    {
        var apns = Kit().Apns();
        await Sandbox.SetFaultsAsync(new { provider = "apns", throttlePercent = 100 });
        var throttled = await apns.SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);
        await Sandbox.SetFaultsAsync(new { provider = "apns", serverErrorPercent = 100 });
        var failed = await apns.SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);
        await Sandbox.SetFaultsAsync(new { provider = "apns", outageUntil = Sandbox.Clock.GetUtcNow().AddMinutes(1) });
        var down = await apns.SendAsync(PushTestKit.Delivery("apns", PushTestKit.NewApnsToken()), PushTestKit.Alert(), CancellationToken.None);

        Assert.Equal((ProviderOutcome.Retryable, "TooManyRequests", true), (throttled.Outcome, throttled.ErrorCode, throttled.Throttled));
        Assert.Equal((ProviderOutcome.Retryable, "InternalServerError", false), (failed.Outcome, failed.ErrorCode, failed.Throttled));
        Assert.Equal((ProviderOutcome.Retryable, "ServiceUnavailable"), (down.Outcome, down.ErrorCode));
    }

    private PushTestKit Kit() => new(Sandbox, Clock);

    private FakeTimeProvider Clock { get; } = new(sandbox.Clock.GetUtcNow());

    private void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Sandbox.Clock.Advance(by);
    }
}
