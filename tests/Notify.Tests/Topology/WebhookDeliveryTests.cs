using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Webhook;
using Npgsql;

namespace Notify.Tests.Topology;

/// <summary>
/// Webhooks through the whole topology: ingress → webhook process → the sandbox's receiver,
/// which verifies Standard Webhooks signatures and injects the faults each test asks for.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookTopologyFixture topology) : IClassFixture<WebhookTopologyFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(topology.ClearFaultsAsync());

    public ValueTask DisposeAsync() => new(topology.ClearFaultsAsync());

    [Fact]
    public async Task A_webhook_is_seen_once_and_its_signature_verifies_with_either_secret_of_the_rotation()
    {
        var (notificationId, deliveryId) = await topology.SendWebhookAsync("acme-" + Guid.NewGuid().ToString("N")[..8]);

        var delivery = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Delivered, "DELIVERED");

        Assert.Equal("webhook", delivery.Provider);
        Assert.Equal(deliveryId, delivery.ProviderMessageId);
        Assert.Equal("http://127.0.0.1:*/***", System.Text.RegularExpressions.Regex.Replace(delivery.RecipientMasked, ":[0-9]+/", ":*/"));
        var message = Assert.Single(await topology.MessagesAsync(deliveryId));
        Assert.Equal(1, message.GetProperty("arrivals").GetInt32());
        var received = Assert.Single(await topology.ReceivedAsync(deliveryId));
        var headers = received.GetProperty("headers").Deserialize<Dictionary<string, string>>()!;
        var body = received.GetProperty("body").GetString()!;
        Assert.Equal(deliveryId, headers["webhook-id"]);
        Assert.Equal(2, headers["webhook-signature"].Split(' ').Length);
        Assert.True(SpecVerifier.Verify(topology.CurrentSecret, headers, body, DateTimeOffset.UtcNow));
        Assert.True(SpecVerifier.Verify(topology.PreviousSecret, headers, body, DateTimeOffset.UtcNow));
        Assert.False(SpecVerifier.Verify(SpecVerifier.NewSecret(), headers, body, DateTimeOffset.UtcNow));
        // The notification's trace (begun at the ingress) continues at the endpoint.
        var stored = await ScalarAsync<string>("SELECT traceparent FROM notify.notifications WHERE id = @id", Guid.Parse(notificationId));
        Assert.Matches($"^00-{stored.Split('-')[1]}-[0-9a-f]{{16}}-0[01]$", headers["traceparent"]);
        using var envelope = JsonDocument.Parse(body);
        Assert.Equal("invoice.paid", envelope.RootElement.GetProperty("type").GetString());
        Assert.Equal(1999, envelope.RootElement.GetProperty("data").GetProperty("amount").GetInt32());
        Assert.Equal("{\"received\":true,\"arrival\":1}", await ScalarAsync<string>(
            "SELECT response_excerpt FROM notify.delivery_attempts WHERE delivery_id = @id AND attempt_number = 1", Guid.Parse(deliveryId)));
    }

    [Fact]
    public async Task A_server_error_is_retried_and_then_delivered_once()
    {
        await topology.SetFaultsAsync(new { provider = "webhook", serverErrorPercent = WebhookTopologyFixture.FirstRequestOnly });
        var (notificationId, deliveryId) = await topology.SendWebhookAsync("retry-" + Guid.NewGuid().ToString("N")[..8]);

        var delivery = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Delivered, "DELIVERED");

        Assert.Equal(2, delivery.AttemptCount);
        Assert.Equal("retryable", delivery.Attempts[0].Outcome);
        Assert.Equal(500, delivery.Attempts[0].HttpStatus);
        Assert.Equal("500", delivery.Attempts[0].ErrorCode);
        Assert.Equal("sent", delivery.Attempts[1].Outcome);
        Assert.Equal(1, Assert.Single(await topology.MessagesAsync(deliveryId)).GetProperty("arrivals").GetInt32());
    }

    [Fact]
    public async Task A_429_is_retried_only_after_its_retry_after()
    {
        await topology.SetFaultsAsync(new { provider = "webhook", throttlePercent = WebhookTopologyFixture.FirstRequestOnly, retryAfterSeconds = 2 });
        var (notificationId, deliveryId) = await topology.SendWebhookAsync("throttled-" + Guid.NewGuid().ToString("N")[..8]);

        var delivery = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Delivered, "DELIVERED");

        Assert.Equal(2, delivery.AttemptCount);
        Assert.Equal(429, delivery.Attempts[0].HttpStatus);
        // The schedule says 200 ms; the endpoint said 2 s, and the endpoint wins.
        var waited = delivery.Attempts[1].StartedAt.ToDateTime() - delivery.Attempts[0].StartedAt.ToDateTime();
        Assert.True(waited >= TimeSpan.FromSeconds(2), $"retried {waited} after the 429");
        Assert.Single(await topology.MessagesAsync(deliveryId));
    }

    [Fact]
    public async Task A_gone_endpoint_is_dead_and_later_sends_to_it_are_skipped()
    {
        await topology.SetFaultsAsync(new { provider = "webhook", invalidRecipientPattern = "^gone-" });
        var endpoint = "gone-" + Guid.NewGuid().ToString("N")[..8];
        var (notificationId, deliveryId) = await topology.SendWebhookAsync(endpoint);

        var dead = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Dead, "DEAD");
        var (nextNotificationId, _) = await topology.SendWebhookAsync(endpoint);
        var next = await topology.DeliveryAsync(nextNotificationId);

        Assert.Equal("410", dead.LastErrorCode);
        Assert.Equal(1, dead.AttemptCount);
        Assert.Equal(DeliveryStatus.Skipped, next.Status);
        Assert.Contains("gone", next.SkipReason);
        Assert.Empty(await topology.MessagesAsync(deliveryId));
    }

    [Fact]
    public async Task A_timeout_is_retried_and_the_receiver_sees_both_arrivals_under_one_webhook_id()
    {
        // The sandbox accepts the message and then withholds its answer past the call timeout:
        // the ambiguous case. The retry carries the same webhook-id, so a receiver can drop it.
        await topology.SetFaultsAsync(new { provider = "webhook", timeoutPercent = WebhookTopologyFixture.FirstRequestOnly, timeoutSeconds = 10 });
        var (notificationId, deliveryId) = await topology.SendWebhookAsync("slow-" + Guid.NewGuid().ToString("N")[..8]);

        var delivery = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Delivered, "DELIVERED");

        Assert.Equal(2, delivery.AttemptCount);
        Assert.Equal("timeout", delivery.Attempts[0].Outcome);
        Assert.Equal("TIMEOUT", delivery.Attempts[0].ErrorCode);
        var arrivals = await topology.ReceivedAsync(deliveryId);
        Assert.Equal(2, arrivals.Length);
        Assert.All(arrivals, a => Assert.Equal(deliveryId, a.GetProperty("headers").GetProperty("webhook-id").GetString()));
    }

    [Fact]
    public async Task A_host_that_resolves_to_an_internal_address_is_dead_with_ssrf_blocked_and_counted()
    {
        // A name, not an address, so the ingress cannot judge it: this machine's own host name,
        // which hosts files map to a loopback or private address.
        var host = Dns.GetHostName();
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host);
        }
        catch (System.Net.Sockets.SocketException)
        {
            addresses = [];
        }
        if (addresses.Length == 0 || addresses.All(Notify.Delivery.Egress.DestinationAddresses.IsPublicAddress))
        {
            Assert.Skip($"This machine's host name '{host}' does not resolve to an internal address.");
        }

        var (notificationId, _) = await topology.SendWebhookAsync($"https://{host}:1/hooks?token=s3cret-token");
        var delivery = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Dead, "DEAD");

        Assert.Equal("SSRF_BLOCKED", delivery.LastErrorCode);
        Assert.Equal("permanent", Assert.Single(delivery.Attempts).Outcome);
        Assert.DoesNotContain("s3cret-token", delivery.LastErrorMessage);
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(topology.App.GetEndpoint("webhook", OperatorEndpoint.Name), "/metrics"));
        Assert.Matches("notify_egress_refused(_connection)?(_total)?\\{[^}]*reason=\"(loopback|private)\"[^}]*\\} [1-9]", metrics);
        var logged = topology.Logs.Select(l => l.ToString()).Where(l => l.Contains("refused: the endpoint leads to")).ToList();
        Assert.NotEmpty(logged);
        Assert.All(logged, line => Assert.DoesNotContain("s3cret-token", line));
    }

    [Fact]
    public async Task Failing_calls_open_the_circuit_no_attempts_are_burned_while_open_and_a_probe_recovers()
    {
        await topology.SetFaultsAsync(new { provider = "webhook", serverErrorPercent = 100 });
        var (notificationId, deliveryId) = await topology.SendWebhookAsync("circuit-" + Guid.NewGuid().ToString("N")[..8]);
        var failing = await topology.WaitForAsync(notificationId, d => d.AttemptCount >= 3, "three failed attempts");
        var rejected = await topology.RejectedAsync();

        // Retries are due every 200 ms and the delivery has 8 attempts: without the circuit it
        // would be DEAD within seconds. The circuit opened with the third failure and stays
        // open 8 s; look again 3 s after it opened, well inside the break.
        var opened = failing.Attempts[2].StartedAt.ToDateTime().AddMilliseconds(failing.Attempts[2].DurationMs);
        var lookAgain = opened.AddSeconds(3) - DateTime.UtcNow;
        if (lookAgain > TimeSpan.Zero)
        {
            await Task.Delay(lookAgain);
        }
        var during = await topology.DeliveryAsync(notificationId);
        var rejectedDuring = await topology.RejectedAsync();
        await topology.ClearFaultsAsync();
        var recovered = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Delivered, "SENT after the break");

        Assert.Equal(3, failing.AttemptCount);
        Assert.Equal(failing.AttemptCount, during.AttemptCount);
        Assert.Equal(rejected, rejectedDuring);
        Assert.Equal(DeliveryStatus.Retrying, during.Status);
        Assert.Equal(failing.AttemptCount + 1, recovered.AttemptCount);
        Assert.Equal(1, Assert.Single(await topology.MessagesAsync(deliveryId)).GetProperty("arrivals").GetInt32());
    }
    private async Task<T> ScalarAsync<T>(string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(topology.App.GetConnectionString("notifydb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return Assert.IsType<T>(await command.ExecuteScalarAsync());
    }
}
