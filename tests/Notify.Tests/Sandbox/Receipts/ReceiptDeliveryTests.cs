using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Notify.Tests.Webhook;

namespace Notify.Tests.Sandbox.Receipts;

/// <summary>How receipts reach a receiver that fails, and the control API's replay and reset.</summary>
public sealed class ReceiptDeliveryTests(ReceiptFixture fixture) : ReceiptTests(fixture)
{
    [Fact]
    public async Task A_receiver_answering_500_then_200_gets_the_same_callback_again()
    {
        var deliveryId = NewDeliveryId();
        var failed = 0;
        Receiver.Answer = context =>
            context.Request.Query["delivery_id"] == deliveryId && Interlocked.Increment(ref failed) == 1
                ? ScriptedEndpoint.Status(500)(context)
                : ScriptedEndpoint.Ok(context);

        await Sandbox.SendSmsAsync("+15558675310", deliveryId, Sandbox.StatusCallback(deliveryId));
        var receipts = await Sandbox.AllAnsweredAsync(deliveryId);

        Assert.Equal([2, 1], receipts.Select(r => r.GetProperty("tries").GetInt32()));
        Assert.All(receipts, r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
        var requests = ReceivedFor("/webhooks/twilio/status", deliveryId);
        Assert.Equal(3, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].Headers["i-twilio-idempotency-token"], requests[1].Headers["i-twilio-idempotency-token"]);
        Assert.Equal(requests[0].Headers["x-twilio-signature"], requests[1].Headers["x-twilio-signature"]);
        Assert.NotEqual(requests[1].Headers["i-twilio-idempotency-token"], requests[2].Headers["i-twilio-idempotency-token"]);
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_is_given_up_and_logged_with_the_recipient_masked()
    {
        var deliveryId = NewDeliveryId();
        Receiver.Answer = context => context.Request.Path == "/down" ? ScriptedEndpoint.Status(503)(context) : ScriptedEndpoint.Ok(context);

        await Sandbox.SendSmsAsync("+15558675310", deliveryId, Sandbox.StatusCallback(deliveryId, "/down"));
        var receipts = await Sandbox.EventuallyAsync(async () =>
        {
            var found = await Sandbox.ReceiptsAsync(deliveryId);
            return found.Length == 2 && found.All(r => r.GetProperty("tries").GetInt32() == 3) ? found : null;
        }, "both callbacks tried three times");

        Assert.All(receipts, r => Assert.Equal(503, r.GetProperty("status").GetInt32()));
        Assert.Equal(6, ReceivedFor("/down", deliveryId).Count);
        var givenUp = await Sandbox.EventuallyAsync(() => Task.FromResult<List<string>?>(
            Sandbox.Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains(deliveryId, StringComparison.Ordinal)).ToList() is { Count: 2 } lines ? lines : null),
            "two give-up warnings");
        Assert.All(givenUp, line =>
        {
            Assert.Contains("given up after 3 tries", line);
            Assert.Contains("***5310", line);
            Assert.DoesNotContain("+15558675310", line);
            Assert.Contains("HTTP 503", line);
        });
        Assert.DoesNotContain(Sandbox.Logs.Lines, l => l.Contains("15558675310", StringComparison.Ordinal) || l.Contains("MessageStatus", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_receiver_leaves_the_status_empty_and_is_given_up()
    {
        var deliveryId = NewDeliveryId();
        // A port nothing listens on: the connection is refused.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await Sandbox.SendSmsAsync("+15558675310", deliveryId, $"http://127.0.0.1:{closedPort}/webhooks/twilio/status?delivery_id={deliveryId}");
        var receipts = await Sandbox.EventuallyAsync(async () =>
        {
            var found = await Sandbox.ReceiptsAsync(deliveryId);
            return found.Length == 2 && found.All(r => r.GetProperty("tries").GetInt32() == 3) ? found : null;
        }, "both callbacks tried three times");

        Assert.All(receipts, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("status").ValueKind));
    }

    [Fact]
    public async Task Resend_repeats_a_deliverys_events_with_the_same_ids_and_a_fresh_valid_signature()
    {
        var deliveryId = NewDeliveryId();
        await Sandbox.SendEmailAsync("alex@example.com", deliveryId, NewDeliveryId());
        await Sandbox.AllAnsweredAsync(deliveryId);
        var first = ReceivedFor("/webhooks/sendgrid", deliveryId);

        var response = await Sandbox.Client.PostAsJsonAsync("/sandbox/receipts/resend", new { deliveryId });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("count").GetInt32());
        Assert.All(body.GetProperty("receipts").EnumerateArray(), r => Assert.Equal(2, r.GetProperty("tries").GetInt32()));
        var all = ReceivedFor("/webhooks/sendgrid", deliveryId);
        Assert.Equal(4, all.Count);
        var replay = all.Skip(2).ToList();
        Assert.Equal(first.Select(EventIds), replay.Select(EventIds));
        Assert.Equal(first.Select(r => r.Body), replay.Select(r => r.Body));
        Assert.All(replay, r => Assert.True(ReceiptVerifiers.SendGridSignatureIsValid(ReceiptFixture.SendGridVerificationKey,
            r.Headers["x-twilio-email-event-webhook-timestamp"], r.Body, r.Headers["x-twilio-email-event-webhook-signature"])));
    }

    [Fact]
    public async Task Resend_of_twilio_callbacks_keeps_their_idempotency_tokens()
    {
        var deliveryId = NewDeliveryId();
        await Sandbox.SendSmsAsync("+15558675310", deliveryId, Sandbox.StatusCallback(deliveryId));
        await Sandbox.AllAnsweredAsync(deliveryId);

        var response = await Sandbox.Client.PostAsJsonAsync("/sandbox/receipts/resend", new { deliveryId });

        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32());
        var all = ReceivedFor("/webhooks/twilio/status", deliveryId);
        Assert.Equal(4, all.Count);
        Assert.Equal(all.Take(2).Select(r => r.Headers["i-twilio-idempotency-token"]), all.Skip(2).Select(r => r.Headers["i-twilio-idempotency-token"]));
    }

    [Fact]
    public async Task Resend_without_a_delivery_id_is_400()
    {
        var response = await Sandbox.Client.PostAsJsonAsync("/sandbox/receipts/resend", new { });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("deliveryId", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reset_forgets_receipts()
    {
        var deliveryId = NewDeliveryId();
        await Sandbox.SendWhatsAppAsync("15551234567", deliveryId);
        await Sandbox.AllAnsweredAsync(deliveryId);

        await Sandbox.ResetAsync();

        Assert.Empty(await Sandbox.ReceiptsAsync(deliveryId));
        var resend = await Sandbox.Client.PostAsJsonAsync("/sandbox/receipts/resend", new { deliveryId });
        Assert.Equal(0, (await resend.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32());
        Assert.Empty(ReceivedFor("/webhooks/whatsapp", deliveryId));
    }

    [Fact]
    public async Task The_receipts_list_filters_by_provider()
    {
        var deliveryId = NewDeliveryId();
        await Sandbox.SendWhatsAppAsync("15551234567", deliveryId);

        var whatsApp = await Sandbox.Client.GetFromJsonAsync<JsonElement>($"/sandbox/receipts?deliveryId={deliveryId}&provider=whatsapp");
        var sendGrid = await Sandbox.Client.GetFromJsonAsync<JsonElement>($"/sandbox/receipts?deliveryId={deliveryId}&provider=sendgrid");

        Assert.Equal(3, whatsApp.GetProperty("receipts").GetArrayLength());
        Assert.Equal(0, sendGrid.GetProperty("receipts").GetArrayLength());
    }

    private static string EventIds(ReceivedRequest request) =>
        string.Join(',', JsonDocument.Parse(request.Body).RootElement.EnumerateArray().Select(e => e.GetProperty("sg_event_id").GetString()));
}
