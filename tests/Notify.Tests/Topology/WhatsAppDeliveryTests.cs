using System.Net.Http.Json;
using System.Text.Json;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Topology;

/// <summary>
/// WhatsApp end to end: ingress → WhatsApp process → the sandbox speaking the Cloud API, with
/// the sandbox's faults standing in for Meta's bad days. The tests share one sandbox and run
/// one after another; each sets the faults it needs and clears them when done.
/// </summary>
public sealed class WhatsAppDeliveryTests(WhatsAppTopologyFixture topology) : IClassFixture<WhatsAppTopologyFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(45);
    private readonly HttpClient _http = new() { BaseAddress = topology.App.GetEndpoint("sandbox", "http") };

    public async ValueTask InitializeAsync() => await ClearFaultsAsync();

    public async ValueTask DisposeAsync()
    {
        await ClearFaultsAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task A_text_message_is_sent_through_the_cloud_api_and_seen_by_the_sandbox_exactly_once()
    {
        var sent = await SendAsync("+14155572001", new WhatsAppContent { Text = "Your order A123 shipped" });

        var delivery = await WaitForAsync(sent, DeliveryStatus.Sent);

        Assert.Equal("whatsapp", delivery.Provider);
        Assert.StartsWith("wamid.", delivery.ProviderMessageId);
        var message = Assert.Single(await SeenAsync(delivery.DeliveryId));
        Assert.Equal(delivery.ProviderMessageId, message.GetProperty("providerMessageId").GetString());
        Assert.Equal(1, message.GetProperty("arrivals").GetInt32());
    }

    [Fact]
    public async Task A_template_message_is_sent_once_and_counted_against_the_messaging_tier()
    {
        var sent = await SendAsync("+14155572002", new WhatsAppContent
        {
            TemplateName = "order_update_v1",
            TemplateLanguage = "en_US",
            TemplateParameters = { "Alex", "A123" },
        });

        var delivery = await WaitForAsync(sent, DeliveryStatus.Sent);

        Assert.Equal(1, Assert.Single(await SeenAsync(delivery.DeliveryId)).GetProperty("arrivals").GetInt32());
        var metrics = await _http.GetStringAsync(new Uri(topology.App.GetEndpoint("whatsapp", OperatorEndpoint.Name), "/metrics"));
        Assert.Matches("notify_quota_used\\{[^}]*account=\"106540352242922\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("notify_quota_remaining\\{[^}]*quota=\"messaging_tier\"[^}]*\\} [0-9]+", metrics);
    }

    [Fact]
    public async Task A_template_meta_does_not_know_in_that_language_is_dead_with_code_132001()
    {
        var sent = await SendAsync("+14155572003", new WhatsAppContent { TemplateName = "order_update_v1", TemplateLanguage = "ja", TemplateParameters = { "a", "b" } });

        var delivery = await WaitForAsync(sent, DeliveryStatus.Dead);

        Assert.Equal("132001", delivery.LastErrorCode);
        Assert.Single(delivery.Attempts);
    }

    [Fact]
    public async Task A_server_error_is_retried_and_then_sent_once()
    {
        // Slot 0 of the sandbox's fault cycle fails, slot 37 (the next request) does not.
        await SetFaultsAsync(new { provider = "whatsapp", serverErrorPercent = 30 });
        var sent = await SendAsync("+14155572004", new WhatsAppContent { Text = "Retry me" });

        var delivery = await WaitForAsync(sent, DeliveryStatus.Sent);

        Assert.Equal(["retryable", "sent"], delivery.Attempts.Select(a => a.Outcome));
        Assert.Equal("131000", delivery.Attempts[0].ErrorCode);
        Assert.Equal(500, delivery.Attempts[0].HttpStatus);
        Assert.Equal(1, Assert.Single(await SeenAsync(delivery.DeliveryId)).GetProperty("arrivals").GetInt32());
    }

    [Fact]
    public async Task Throttling_with_code_130429_is_retried_no_sooner_than_its_retry_after()
    {
        await SetFaultsAsync(new { provider = "whatsapp", throttlePercent = 30, retryAfterSeconds = 2 });
        var sent = await SendAsync("+14155572005", new WhatsAppContent { Text = "Slow down" });

        var delivery = await WaitForAsync(sent, DeliveryStatus.Sent);

        Assert.Equal(["retryable", "sent"], delivery.Attempts.Select(a => a.Outcome));
        Assert.Equal("130429", delivery.Attempts[0].ErrorCode);
        Assert.Equal(429, delivery.Attempts[0].HttpStatus);
        // The schedule says 200 ms; Meta's Retry-After (2 s) wins.
        var gap = delivery.Attempts[1].StartedAt.ToDateTime() - delivery.Attempts[0].StartedAt.ToDateTime();
        Assert.True(gap >= TimeSpan.FromSeconds(1.9), $"The retry came {gap.TotalSeconds:0.00} s after the 429, before its Retry-After of 2 s.");
    }

    [Fact]
    public async Task An_undeliverable_number_is_dead_with_code_131026_after_one_attempt()
    {
        var sent = await SendAsync("+14155551026", new WhatsAppContent { Text = "Hello" });

        var delivery = await WaitForAsync(sent, DeliveryStatus.Dead);

        Assert.Equal("131026", delivery.LastErrorCode);
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal("permanent", attempt.Outcome);
        Assert.Empty(await SeenAsync(delivery.DeliveryId));
    }

    [Fact]
    public async Task A_marketing_opt_out_is_dead_and_later_bulk_sends_to_that_number_are_skipped()
    {
        var first = await SendAsync("+14155551050", new WhatsAppContent { TemplateName = "hello_world", TemplateLanguage = "en_US" });
        var delivery = await WaitForAsync(first, DeliveryStatus.Dead);

        var bulk = await SendAsync("+14155551050", new WhatsAppContent { TemplateName = "hello_world", TemplateLanguage = "en_US" }, Priority.Bulk);

        Assert.Equal("131050", delivery.LastErrorCode);
        Assert.Equal(DeliveryStatus.Skipped, bulk.Deliveries[0].Status);
        Assert.Contains("marketing_opt_out", bulk.Deliveries[0].SkipReason);
    }

    [Fact]
    public async Task A_call_that_times_out_is_retried_and_sent()
    {
        // The sandbox accepts the first request and sits on the answer longer than the call
        // timeout: the ambiguous case, so the message arrives twice (at-least-once).
        await SetFaultsAsync(new { provider = "whatsapp", timeoutPercent = 30, timeoutSeconds = 12 });
        var sent = await SendAsync("+14155572006", new WhatsAppContent { Text = "Are you there?" });

        var delivery = await WaitForAsync(sent, DeliveryStatus.Sent);

        Assert.Equal(["timeout", "sent"], delivery.Attempts.Select(a => a.Outcome));
        Assert.Equal("TIMEOUT", delivery.Attempts[0].ErrorCode);
        Assert.Equal(2, (await SeenAsync(delivery.DeliveryId))[^1].GetProperty("arrivals").GetInt32());
    }

    [Fact]
    public async Task An_outage_opens_the_circuit_burns_no_attempts_while_open_and_a_probe_recovers()
    {
        // Polly's breaker counts the failure ratio over its sampling window, where the other
        // tests' successes would dilute it: a fresh WhatsApp process starts with an empty window.
        var whatsapp = topology.App.GetProcess("whatsapp");
        await whatsapp.TerminateAsync();
        await whatsapp.StartAsync(TimeSpan.FromMinutes(1));
        // Every call fails with 500 / 131000 and no Retry-After (an outage's 503 would carry
        // one, and the delivery would wait it out instead of retrying into the breaker).
        await SetFaultsAsync(new { provider = "whatsapp", serverErrorPercent = 100 });

        var failing = await SendAsync("+14155572007", new WhatsAppContent { Text = "Outage" });
        var opened = await WaitForAsync(failing, d => d.AttemptCount == WhatsAppTopologyFixture.CircuitFailures);
        var whileOpen = await SendAsync("+14155572008", new WhatsAppContent { Text = "While open" });
        await Task.Delay(TimeSpan.FromSeconds(1));
        var held = await ReadAsync(whileOpen);
        var stillThree = await ReadAsync(failing);
        await ClearFaultsAsync();

        Assert.All(opened.Attempts, a => Assert.Equal("131000", a.ErrorCode));
        Assert.Equal(0, held.AttemptCount);
        Assert.Equal(WhatsAppTopologyFixture.CircuitFailures, stillThree.AttemptCount);
        var recovered = await WaitForAsync(failing, DeliveryStatus.Sent);
        var afterwards = await WaitForAsync(whileOpen, DeliveryStatus.Sent);
        Assert.Equal(WhatsAppTopologyFixture.CircuitFailures + 1, recovered.AttemptCount);
        Assert.Equal(1, afterwards.AttemptCount);
        // The probe waited for the break: nothing was attempted while the circuit was open.
        var probeGap = recovered.Attempts[^1].StartedAt.ToDateTime() - recovered.Attempts[^2].StartedAt.ToDateTime();
        Assert.True(probeGap >= WhatsAppTopologyFixture.CircuitBreak - TimeSpan.FromMilliseconds(100), $"The probe came {probeGap.TotalSeconds:0.00} s after the last failure.");
    }

    [Fact]
    public async Task The_whatsapp_process_never_logs_its_access_token_or_a_full_number()
    {
        var sent = await SendAsync("+14155572009", new WhatsAppContent { Text = "Private" });
        await WaitForAsync(sent, DeliveryStatus.Sent);

        var lines = topology.Logs.Where(l => l.Source == "whatsapp").Select(l => l.Text).ToList();

        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains("sandbox-whatsapp-token", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("4155572009", StringComparison.Ordinal));
    }

    private async Task<SendResponse> SendAsync(string number, WhatsAppContent content, Priority priority = Priority.Transactional)
    {
        var request = new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Priority = priority,
            Recipient = new Recipient { Whatsapp = number },
            Channels = { Channel.Whatsapp },
            Content = new Content { Whatsapp = content },
        };
        return await topology.Client.SendAsync(request, topology.DevelopmentKey);
    }

    private async Task<Notify.Grpc.V1.Delivery> ReadAsync(SendResponse sent)
        => (await topology.Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = sent.NotificationId }, topology.DevelopmentKey)).Deliveries[0];

    private Task<Notify.Grpc.V1.Delivery> WaitForAsync(SendResponse sent, DeliveryStatus status) => WaitForAsync(sent, d => d.Status == status);

    private async Task<Notify.Grpc.V1.Delivery> WaitForAsync(SendResponse sent, Func<Notify.Grpc.V1.Delivery, bool> condition)
    {
        var deadline = DateTime.UtcNow + Eventually;
        while (true)
        {
            var delivery = await ReadAsync(sent);
            if (condition(delivery))
            {
                return delivery;
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"Delivery {delivery.DeliveryId} is {delivery.Status} after {delivery.AttemptCount} attempts ({delivery.LastErrorCode} {delivery.LastErrorMessage}).");
            await Task.Delay(100);
        }
    }

    private async Task<JsonElement[]> SeenAsync(string deliveryId)
    {
        var body = await _http.GetFromJsonAsync<JsonElement>($"/sandbox/messages?provider=whatsapp&deliveryId={deliveryId}");
        return [.. body.GetProperty("messages").EnumerateArray()];
    }

    private async Task SetFaultsAsync(object faults)
    {
        var response = await _http.PostAsJsonAsync("/sandbox/faults", faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task ClearFaultsAsync() => (await _http.DeleteAsync("/sandbox/faults?provider=whatsapp")).EnsureSuccessStatusCode();
}
