using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Topology;

/// <summary>
/// Receipts end to end: the sandbox answers a send, later posts the provider's signed receipt
/// to the channel process, and the delivery moves on; failures put the address on the
/// tenant's suppression list, so the next send to it is SKIPPED; a replayed receipt changes nothing.
/// </summary>
[Collection(TraceTopologyFixture.Collection)]
public sealed class ReceiptTopologyTests(TraceTopologyFixture topology)
{
    [Fact]
    public async Task A_bounce_fails_the_email_and_the_next_send_to_the_address_is_skipped()
    {
        var address = $"bounce+{Guid.NewGuid():N}@example.com";

        var first = await SendAsync(r => r.Email = address, Channel.Email, c => c.Email = new EmailContent { Subject = "Hi", TextBody = "Hi" });
        var failed = await WaitForAsync(first, DeliveryStatus.Failed);
        var second = await SendAsync(r => r.Email = address, Channel.Email, c => c.Email = new EmailContent { Subject = "Hi", TextBody = "Hi" });

        Assert.Equal(("sendgrid", "5.1.1"), (failed.Provider, failed.LastErrorCode));
        Assert.Contains(failed.Receipts, r => r.Event == "bounce" && r.Outcome == "applied");
        var skipped = Assert.Single(second.Deliveries);
        Assert.Equal((DeliveryStatus.Skipped, "suppressed:hard_bounce"), (skipped.Status, skipped.SkipReason));
        var listed = await topology.Client.ListSuppressionsAsync(new ListSuppressionsRequest { Channel = Channel.Email, PageSize = 1000 }, topology.DevelopmentKey);
        Assert.Contains(listed.Suppressions, s => s.Address == address && s.Reason == "hard_bounce" && s.Source == "receipt");
    }

    [Fact]
    public async Task An_undelivered_sms_fails_with_twilios_error_code()
    {
        var sent = await SendAsync(r => r.Phone = "+14155530003", Channel.Sms, c => c.Sms = new SmsContent { Body = "Hi" });

        var failed = await WaitForAsync(sent, DeliveryStatus.Failed);

        Assert.Equal(("twilio", "30003"), (failed.Provider, failed.LastErrorCode));
        Assert.Equal(["sent", "undelivered"], failed.Receipts.Select(r => r.Event));
    }

    [Fact]
    public async Task A_whatsapp_marketing_opt_out_fails_the_message_and_suppresses_the_number_for_bulk_sends()
    {
        var first = await SendAsync(r => r.Whatsapp = "+14155552050", Channel.Whatsapp, c => c.Whatsapp = new WhatsAppContent { Text = "Hi" });
        var failed = await WaitForAsync(first, DeliveryStatus.Failed);
        var bulk = await SendAsync(r => r.Whatsapp = "+14155552050", Channel.Whatsapp, c => c.Whatsapp = new WhatsAppContent { Text = "Hi" },
            Priority.Bulk);

        Assert.Equal("131050", failed.LastErrorCode);
        Assert.Equal((DeliveryStatus.Skipped, "suppressed:marketing_opt_out"), (bulk.Deliveries[0].Status, bulk.Deliveries[0].SkipReason));
        // Tidy up: the number is shared by every run of this test against this topology.
        await topology.Client.RemoveSuppressionAsync(
            new RemoveSuppressionRequest { Channel = Channel.Whatsapp, Address = "+14155552050" }, topology.DevelopmentKey);
    }

    [Fact]
    public async Task Receipts_sent_again_by_the_provider_are_acknowledged_and_ignored()
    {
        var sent = await SendAsync(r => r.Email = $"replay-{Guid.NewGuid():N}@example.com", Channel.Email,
            c => c.Email = new EmailContent { Subject = "Hi", TextBody = "Hi" });
        var delivered = await WaitForAsync(sent, DeliveryStatus.Delivered);
        var receiptsBefore = delivered.Receipts.Count;

        using var sandbox = new HttpClient { BaseAddress = topology.App.GetEndpoint("sandbox", "http") };
        var resent = await (await sandbox.PostAsJsonAsync("/sandbox/receipts/resend", new { deliveryId = delivered.DeliveryId }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var after = Assert.Single((await topology.Client.GetNotificationAsync(
            new GetNotificationRequest { NotificationId = sent.NotificationId }, topology.DevelopmentKey)).Deliveries);

        Assert.True(resent.GetProperty("count").GetInt32() >= 2);   // processed and delivered, each answered 200
        Assert.All(resent.GetProperty("receipts").EnumerateArray(), r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
        Assert.Equal((DeliveryStatus.Delivered, receiptsBefore), (after.Status, after.Receipts.Count));
        Assert.Equal(delivered.DeliveredAt, after.DeliveredAt);
    }

    private async Task<SendResponse> SendAsync(Action<Recipient> to, Channel channel, Action<Content> content,
        Priority priority = Priority.Transactional)
    {
        var request = new SendRequest { IdempotencyKey = Requests.NewKey(), Recipient = new Recipient(), Content = new Content(), Priority = priority };
        to(request.Recipient);
        request.Channels.Add(channel);
        content(request.Content);
        return await topology.Client.SendAsync(request, topology.DevelopmentKey);
    }

    private async Task<Notify.Grpc.V1.Delivery> WaitForAsync(SendResponse sent, DeliveryStatus status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var delivery = Assert.Single((await topology.Client.GetNotificationAsync(
                new GetNotificationRequest { NotificationId = sent.NotificationId }, topology.DevelopmentKey)).Deliveries);
            if (delivery.Status == status)
            {
                return delivery;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The delivery did not reach {status} within 30 s: {delivery}");
            await Task.Delay(100);
        }
    }
}
