using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using DeliveryView = Notify.Grpc.V1.Delivery;

namespace Notify.Tests.Topology;

/// <summary>
/// Push through the real processes: the ingress, the push process with FCM and APNs, and the
/// provider sandbox (FCM over HTTP/1.1 with OAuth, APNs over h2c with ES256 provider tokens).
/// Each test scripts the sandbox's faults for its own run and clears them after.
/// </summary>
public sealed class PushDeliveryTests(PushTopologyFixture topology) : IClassFixture<PushTopologyFixture>, IAsyncLifetime
{
    private readonly HttpClient _sandbox = new() { BaseAddress = topology.App.GetEndpoint("sandbox", "http") };

    public async ValueTask InitializeAsync() => await ClearFaultsAsync();

    public async ValueTask DisposeAsync()
    {
        await ClearFaultsAsync();
        _sandbox.Dispose();
    }

    [Fact]
    public async Task An_fcm_and_an_apns_delivery_are_each_sent_and_seen_by_the_sandbox_exactly_once()
    {
        var (fcmToken, apnsToken) = (NewFcmToken(), NewApnsToken());

        var (_, deliveries) = await SendAndWaitAsync([Fcm(fcmToken), Apns(apnsToken)], all => all.All(d => d.Status == DeliveryStatus.Delivered));

        var (fcm, apns) = (deliveries[0], deliveries[1]);
        Assert.Equal(("fcm", DeliveryStatus.Delivered, 1), (fcm.Provider, fcm.Status, fcm.AttemptCount));
        Assert.StartsWith("projects/notify-dev/messages/", fcm.ProviderMessageId);
        Assert.Equal(("apns", DeliveryStatus.Delivered, 1), (apns.Provider, apns.Status, apns.AttemptCount));
        Assert.Equal(apns.DeliveryId, apns.ProviderMessageId);
        await AssertSeenOnceAsync("fcm", fcm, fcmToken);
        await AssertSeenOnceAsync("apns", apns, apnsToken);
    }

    [Fact]
    public async Task A_provider_error_is_retried_and_the_message_then_sent_once()
    {
        // The sandbox's fault cycle fails requests 1 and 2 of every 100 at 50 %, then lets 3 through.
        await SetFaultsAsync(new { provider = "fcm", serverErrorPercent = 50 });
        await SetFaultsAsync(new { provider = "apns", serverErrorPercent = 50 });

        var (_, deliveries) = await SendAndWaitAsync([Fcm(NewFcmToken()), Apns(NewApnsToken())], all => all.All(d => d.Status == DeliveryStatus.Delivered));

        Assert.All(deliveries, d => Assert.Equal(3, d.AttemptCount));
        Assert.Equal(["INTERNAL", "INTERNAL", ""], deliveries[0].Attempts.Select(a => a.ErrorCode));
        Assert.Equal(["InternalServerError", "InternalServerError", ""], deliveries[1].Attempts.Select(a => a.ErrorCode));
        await AssertSeenOnceAsync("fcm", deliveries[0]);
        await AssertSeenOnceAsync("apns", deliveries[1]);
    }

    [Fact]
    public async Task A_429_is_retried_no_sooner_than_its_Retry_After()
    {
        await SetFaultsAsync(new { provider = "fcm", throttlePercent = 30, retryAfterSeconds = 2 });
        await SetFaultsAsync(new { provider = "apns", throttlePercent = 30 });

        var (_, deliveries) = await SendAndWaitAsync([Fcm(NewFcmToken()), Apns(NewApnsToken())], all => all.All(d => d.Status == DeliveryStatus.Delivered));

        var fcm = deliveries[0].Attempts;
        Assert.Equal([("retryable", 429, "QUOTA_EXCEEDED"), ("sent", 200, "")], fcm.Select(a => (a.Outcome, a.HttpStatus, a.ErrorCode)));
        Assert.True(fcm[1].StartedAt.ToDateTime() - fcm[0].StartedAt.ToDateTime() >= TimeSpan.FromSeconds(1.9),
            $"the retry came {(fcm[1].StartedAt.ToDateTime() - fcm[0].StartedAt.ToDateTime()).TotalSeconds:0.00} s after the 429 that asked for 2 s");
        // APNs names no Retry-After: the schedule decides, and the message still goes once.
        Assert.Equal([("retryable", 429, "TooManyRequests"), ("sent", 200, "")], deliveries[1].Attempts.Select(a => (a.Outcome, a.HttpStatus, a.ErrorCode)));
        await AssertSeenOnceAsync("fcm", deliveries[0]);
        await AssertSeenOnceAsync("apns", deliveries[1]);
    }

    [Fact]
    public async Task An_unregistered_token_is_dead_with_the_providers_code_and_the_next_send_to_it_is_skipped()
    {
        await SetFaultsAsync(new { provider = "fcm", invalidRecipientPattern = "^gone-" });
        await SetFaultsAsync(new { provider = "apns", invalidRecipientPattern = "^dead" });
        var devices = new[] { Fcm("gone-" + NewFcmToken()), Apns("dead" + NewApnsToken()[4..]) };

        var (_, deliveries) = await SendAndWaitAsync(devices, all => all.All(d => d.Status == DeliveryStatus.Dead));
        var again = await topology.Client.SendAsync(Request(devices), topology.DevelopmentKey);

        Assert.Equal(("UNREGISTERED", 1), (deliveries[0].LastErrorCode, deliveries[0].AttemptCount));
        Assert.Equal(("Unregistered", 1), (deliveries[1].LastErrorCode, deliveries[1].AttemptCount));
        Assert.Equal(404, deliveries[0].Attempts[0].HttpStatus);
        Assert.Equal(410, deliveries[1].Attempts[0].HttpStatus);
        Assert.All(again.Deliveries, d => Assert.Equal((DeliveryStatus.Skipped, "suppressed:unregistered"), (d.Status, d.SkipReason)));
        foreach (var skipped in again.Deliveries)
        {
            Assert.Empty(await MessagesAsync(null, skipped.DeliveryId));
        }
    }

    [Fact]
    public async Task A_call_that_times_out_is_retried()
    {
        // The first request hangs past the 5 s call timeout after the provider accepted it: the
        // ambiguous case. Notify retries, so the device may get it twice (at-least-once).
        await SetFaultsAsync(new { provider = "fcm", timeoutPercent = 30, timeoutSeconds = 15 });
        await SetFaultsAsync(new { provider = "apns", timeoutPercent = 30, timeoutSeconds = 15 });

        var (_, deliveries) = await SendAndWaitAsync([Fcm(NewFcmToken()), Apns(NewApnsToken())], all => all.All(d => d.Status == DeliveryStatus.Delivered));

        foreach (var (delivery, provider) in deliveries.Zip(["fcm", "apns"]))
        {
            Assert.Equal([("timeout", "TIMEOUT"), ("sent", "")], delivery.Attempts.Select(a => (a.Outcome, a.ErrorCode)));
            var seen = await MessagesAsync(provider, delivery.DeliveryId);
            Assert.Equal(2, seen[^1].GetProperty("arrivals").GetInt32());
        }
    }

    [Fact]
    public async Task An_fcm_outage_opens_its_circuit_without_burning_attempts_while_apns_keeps_delivering_and_a_probe_recovers()
    {
        await SetFaultsAsync(new { provider = "fcm", outageUntil = DateTimeOffset.UtcNow.AddSeconds(5) });

        // Five failures in a row open FCM's circuit (CircuitFailures defaults to 5).
        var (first, failing) = await SendAndWaitAsync([.. Enumerable.Range(0, 5).Select(_ => Fcm(NewFcmToken()))],
            all => all.All(d => d.AttemptCount == 1));
        var openedAt = DateTime.UtcNow;
        var (second, during) = await SendAndWaitAsync([Fcm(NewFcmToken()), Apns(NewApnsToken())],
            all => all[1].Status == DeliveryStatus.Delivered && all[0].LastErrorCode == "CIRCUIT_OPEN");
        var stillOpen = DateTime.UtcNow - openedAt < PushTopologyFixture.CircuitBreak - TimeSpan.FromSeconds(2);
        var firstWhileOpen = await DeliveriesAsync(first);

        Assert.All(failing, d => Assert.Equal((DeliveryStatus.Retrying, "UNAVAILABLE"), (d.Status, d.LastErrorCode)));
        Assert.True(stillOpen, "the checks below ran after the break had ended");
        Assert.Equal((DeliveryStatus.Delivered, "apns"), (during[1].Status, during[1].Provider));
        Assert.Equal((DeliveryStatus.Pending, 0), (during[0].Status, during[0].AttemptCount));
        Assert.All(firstWhileOpen, d => Assert.Equal(1, d.AttemptCount));

        // After the break a probe finds FCM back, the circuit closes, and everything goes.
        var recoveredFirst = await WaitAsync(first, all => all.All(d => d.Status == DeliveryStatus.Delivered), TimeSpan.FromSeconds(40));
        var recoveredSecond = await WaitAsync(second, all => all.All(d => d.Status == DeliveryStatus.Delivered), TimeSpan.FromSeconds(40));

        Assert.All(recoveredFirst, d => Assert.Equal([("retryable", "UNAVAILABLE"), ("sent", "")], d.Attempts.Select(a => (a.Outcome, a.ErrorCode))));
        Assert.Equal(1, recoveredSecond[0].AttemptCount);
        foreach (var delivery in recoveredFirst.Append(recoveredSecond[0]))
        {
            await AssertSeenOnceAsync("fcm", delivery);
        }
    }

    private static PushDevice Fcm(string token) => new() { Platform = PushPlatform.Fcm, Token = token };

    private static PushDevice Apns(string token) => new() { Platform = PushPlatform.Apns, Token = token };

    private static string NewFcmToken() => "fcm-" + Guid.NewGuid().ToString("N") + ":APA91b";

    private static string NewApnsToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static SendRequest Request(IEnumerable<PushDevice> devices) => new()
    {
        IdempotencyKey = Requests.NewKey(),
        Recipient = new Recipient { PushDevices = { devices } },
        Channels = { Channel.Push },
        Content = new Content { Push = new PushContent { Title = "Order shipped", Body = "A123 is on its way", Data = { ["order_id"] = "A123" } } },
        ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
    };

    /// <summary>Sends one notification to <paramref name="devices"/> and waits until its deliveries (in device order) satisfy <paramref name="done"/>.</summary>
    private async Task<(string NotificationId, IReadOnlyList<DeliveryView> Deliveries)> SendAndWaitAsync(
        PushDevice[] devices, Func<IReadOnlyList<DeliveryView>, bool> done)
    {
        var sent = await topology.Client.SendAsync(Request(devices), topology.DevelopmentKey);
        return (sent.NotificationId, await WaitAsync(sent.NotificationId, done, TimeSpan.FromSeconds(30)));
    }

    private async Task<IReadOnlyList<DeliveryView>> WaitAsync(string notificationId, Func<IReadOnlyList<DeliveryView>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<DeliveryView> deliveries;
        while (true)
        {
            deliveries = await DeliveriesAsync(notificationId);
            if (done(deliveries) || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(100);
        }
        Assert.True(done(deliveries), "Deliveries did not get there in time: " + string.Join("; ",
            deliveries.Select(d => $"{d.Status} after {d.AttemptCount} attempts, last error {d.LastErrorCode}")));
        return deliveries;
    }

    private async Task<IReadOnlyList<DeliveryView>> DeliveriesAsync(string notificationId) =>
        [.. (await topology.Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = notificationId }, topology.DevelopmentKey)).Deliveries];

    private async Task AssertSeenOnceAsync(string provider, DeliveryView delivery, string? token = null)
    {
        var seen = Assert.Single(await MessagesAsync(null, delivery.DeliveryId));
        Assert.Equal(provider, seen.GetProperty("provider").GetString());
        Assert.Equal(delivery.ProviderMessageId, seen.GetProperty("providerMessageId").GetString());
        Assert.Equal(1, seen.GetProperty("arrivals").GetInt32());
        if (token is not null)
        {
            Assert.Equal(token, seen.GetProperty("recipient").GetString());
        }
    }

    private async Task<JsonElement[]> MessagesAsync(string? provider, string deliveryId)
    {
        var query = "/sandbox/messages?deliveryId=" + deliveryId + (provider is null ? "" : "&provider=" + provider);
        var body = await _sandbox.GetFromJsonAsync<JsonElement>(query);
        return [.. body.GetProperty("messages").EnumerateArray()];
    }

    private async Task SetFaultsAsync(object faults)
    {
        var response = await _sandbox.PostAsJsonAsync("/sandbox/faults", faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task ClearFaultsAsync()
    {
        foreach (var provider in new[] { "fcm", "apns" })
        {
            (await _sandbox.DeleteAsync("/sandbox/faults?provider=" + provider)).EnsureSuccessStatusCode();
        }
    }
}
