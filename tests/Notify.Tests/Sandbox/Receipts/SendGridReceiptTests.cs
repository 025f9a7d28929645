using System.Text.Json;

namespace Notify.Tests.Sandbox.Receipts;

public sealed class SendGridReceiptTests(ReceiptFixture fixture) : ReceiptTests(fixture)
{
    private const string Path = "/webhooks/sendgrid";

    [Fact]
    public async Task A_delivered_email_gets_processed_then_delivered_signed_events_at_the_email_process()
    {
        var deliveryId = NewDeliveryId();
        var notificationId = NewDeliveryId();

        var xMessageId = await Sandbox.SendEmailAsync("alex@example.com", deliveryId, notificationId);
        var receipts = await Sandbox.AllAnsweredAsync(deliveryId);

        Assert.Equal(["processed", "delivered"], receipts.Select(r => r.GetProperty("event").GetString()));
        Assert.All(receipts, r =>
        {
            Assert.Equal("sendgrid", r.GetProperty("provider").GetString());
            Assert.Equal(xMessageId, r.GetProperty("providerMessageId").GetString());
            Assert.Equal("http://email/webhooks/sendgrid", r.GetProperty("url").GetString());
            Assert.Equal(200, r.GetProperty("status").GetInt32());
            Assert.Equal(1, r.GetProperty("tries").GetInt32());
        });
        var requests = ReceivedFor(Path, deliveryId);
        Assert.Equal(2, requests.Count);
        var events = new List<JsonElement>();
        foreach (var request in requests)
        {
            Assert.Equal("application/json", request.Headers["content-type"].Split(';')[0]);
            Assert.True(request.Body.AsSpan().EndsWith("]\r\n"u8), "SendGrid's body is a JSON array followed by CRLF");
            var timestamp = request.Headers["x-twilio-email-event-webhook-timestamp"];
            Assert.Matches("^[0-9]{10}$", timestamp);
            Assert.True(ReceiptVerifiers.SendGridSignatureIsValid(ReceiptFixture.SendGridVerificationKey, timestamp, request.Body,
                request.Headers["x-twilio-email-event-webhook-signature"]), "the signature verifies with the development verification key");
            events.AddRange(JsonDocument.Parse(request.Body).RootElement.EnumerateArray());
        }
        Assert.Equal(["processed", "delivered"], events.Select(e => e.GetProperty("event").GetString()));
        Assert.All(events, e =>
        {
            Assert.Equal("alex@example.com", e.GetProperty("email").GetString());
            Assert.Equal(deliveryId, e.GetProperty("delivery_id").GetString());
            Assert.Equal(notificationId, e.GetProperty("notification_id").GetString());
            Assert.StartsWith(xMessageId + ".filter", e.GetProperty("sg_message_id").GetString());
            Assert.Equal($"<{xMessageId}@", e.GetProperty("smtp-id").GetString()![..(xMessageId.Length + 2)]);
            Assert.Equal(JsonValueKind.Number, e.GetProperty("timestamp").ValueKind);
            Assert.Matches("^[A-Za-z0-9_-]{1,100}$", e.GetProperty("sg_event_id").GetString());
        });
        Assert.Equal("250 OK", events[1].GetProperty("response").GetString());
        Assert.NotEqual(events[0].GetProperty("sg_event_id").GetString(), events[1].GetProperty("sg_event_id").GetString());
        Assert.Equal(events[0].GetProperty("sg_message_id").GetString(), events[1].GetProperty("sg_message_id").GetString());
    }

    [Theory]
    [InlineData("bounce@example.com", new[] { "processed", "bounce" })]
    [InlineData("bounce+7@example.com", new[] { "processed", "bounce" })]
    [InlineData("dropped@example.com", new[] { "processed", "dropped" })]
    [InlineData("spamreport@example.com", new[] { "processed", "delivered", "spamreport" })]
    [InlineData("unsubscribe.me@example.com", new[] { "processed", "delivered", "unsubscribe" })]
    [InlineData("deferred@example.com", new[] { "processed", "deferred", "delivered" })]
    [InlineData(ReceiptFixture.ConfiguredBounceLocalPart + "@example.com", new[] { "processed", "bounce" })]
    [InlineData("bouncer-not@example.com", new[] { "processed", "bounce" })]
    [InlineData("alex.bounce@example.com", new[] { "processed", "delivered" })]
    public async Task Magic_recipients_get_their_outcomes_events(string recipient, string[] expected)
    {
        var deliveryId = NewDeliveryId();

        await Sandbox.SendEmailAsync(recipient, deliveryId, NewDeliveryId());
        await Sandbox.AllAnsweredAsync(deliveryId);

        var events = ReceivedFor(Path, deliveryId)
            .SelectMany(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray())
            .ToDictionary(e => e.GetProperty("event").GetString()!);
        Assert.Equal(expected.Order(), events.Keys.Order());
        if (events.TryGetValue("bounce", out var bounce))
        {
            Assert.Equal("bounce", bounce.GetProperty("type").GetString());
            Assert.Equal("5.1.1", bounce.GetProperty("status").GetString());
            Assert.Equal("550 5.1.1 The email account that you tried to reach does not exist.", bounce.GetProperty("reason").GetString());
        }
        if (events.TryGetValue("dropped", out var dropped))
        {
            Assert.Equal("Bounced Address", dropped.GetProperty("reason").GetString());
            Assert.Equal("5.0.0", dropped.GetProperty("status").GetString());
        }
        if (events.TryGetValue("deferred", out var deferred))
        {
            Assert.Equal("1", deferred.GetProperty("attempt").GetString());
        }
    }

    [Fact]
    public async Task Events_arrive_in_the_order_a_provider_reports_them()
    {
        var deliveryId = NewDeliveryId();

        await Sandbox.SendEmailAsync("deferred@example.com", deliveryId, NewDeliveryId());
        await Sandbox.AllAnsweredAsync(deliveryId);

        Assert.Equal(["processed", "deferred", "delivered"], ReceivedFor(Path, deliveryId)
            .SelectMany(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray())
            .Select(e => e.GetProperty("event").GetString()));
    }
}
