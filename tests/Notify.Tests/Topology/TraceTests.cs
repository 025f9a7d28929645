using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using Notify.Tests.Infrastructure.Otlp;

namespace Notify.Tests.Topology;

/// <summary>
/// One message per channel, delivered: the sandbox's signed receipts move email, SMS and
/// WhatsApp to DELIVERED (webhook and push are delivered by the provider's answer), and one
/// trace spans every process: the ingress's gRPC server span, the channel worker's delivery
/// span continuing it, the provider call's client span, the <c>traceparent</c> the provider
/// (the sandbox) received, and the receipt's span, found through the delivery id the provider
/// echoed — as exported over OTLP to a collector.
/// </summary>
[Collection(TraceTopologyFixture.Collection)]
public sealed class TraceTests(TraceTopologyFixture topology, ITestOutputHelper output)
{
    [Theory]
    [InlineData("email", "sendgrid")]
    [InlineData("sms", "twilio")]
    [InlineData("whatsapp", "whatsapp")]
    [InlineData("webhook", "webhook")]
    [InlineData("push", "fcm")]
    [InlineData("push", "apns")]
    public async Task A_message_is_delivered_and_one_trace_follows_it_from_the_ingress_through_the_worker_and_provider_to_its_receipt(string channel, string provider)
    {
        var body = "Trace check " + Guid.NewGuid().ToString("N");
        var (request, recipient) = Message(provider, body);

        var sent = await topology.Client.SendAsync(request, topology.DevelopmentKey);
        var delivery = await WaitForDeliveredAsync(sent.NotificationId);
        var receipted = channel is "email" or "sms" or "whatsapp";
        var (traceId, ingressSpanId) = TraceAssertions.ParseTraceparent(await StoredTraceparentAsync(sent.NotificationId));
        var seen = Assert.Single(await SandboxMessagesAsync(delivery.DeliveryId));
        var (seenTraceId, seenParentId) = TraceAssertions.ParseTraceparent(seen.GetProperty("traceparent").GetString());
        var trace = await topology.Collector.WaitForTraceAsync(traceId, spans =>
            spans.Any(s => s.SpanId == ingressSpanId) && spans.Any(s => s.SpanId == seenParentId)
            && spans.Any(s => s.Name == "deliver " + channel) && spans.Any(s => s.Name == "send " + provider)
            && (!receipted || spans.Any(s => s.Name == "receipt delivered" || (s.Name == "receipt read" && s.Attribute("notify.receipt.outcome") == "applied"))));
        output.WriteLine(TraceAssertions.Tree(trace));

        Assert.Equal(provider, delivery.Provider);
        var ingress = Assert.Single(trace, s => s.SpanId == ingressSpanId);
        var deliver = TraceAssertions.Span(trace, channel, "deliver " + channel);
        var call = TraceAssertions.Span(trace, channel, "send " + provider);
        TraceAssertions.AssertChain(trace, ingress, deliver, call);
        Assert.Equal(("ingress", SpanKind.Server), (ingress.Service, ingress.Kind));
        Assert.Contains("notify.v1.NotifyService/Send", ingress.Name);
        Assert.Equal(SpanKind.Consumer, deliver.Kind);
        Assert.Equal(SpanKind.Client, call.Kind);
        Assert.Equal(
            (delivery.DeliveryId, sent.NotificationId, channel, "1", receipted ? "SENT" : "DELIVERED", provider),
            (deliver.Attribute("notify.delivery_id"), deliver.Attribute("notify.notification_id"), deliver.Attribute("notify.channel"),
                deliver.Attribute("notify.attempt"), deliver.Attribute("notify.status"), deliver.Attribute("notify.provider")));
        Assert.Equal(("sent", delivery.ProviderMessageId), (call.Attribute("notify.outcome"), call.Attribute("notify.provider_message_id")));

        // The provider's request carried the trace: its parent is the call's span or the HTTP
        // client's span below it.
        Assert.Equal(traceId, seenTraceId);
        TraceAssertions.AssertDescendsFrom(trace, seenParentId, call);

        if (receipted)
        {
            // The provider's receipt: stored with the delivery, and its span in the same trace,
            // a child of the ingress span (providers carry no trace context; the delivery id does).
            Assert.Contains(delivery.Receipts, r => r.Provider == provider && r.Outcome == "applied" && r.Event is "delivered" or "read");
            var receipt = Assert.Single(trace, s => s.Name is "receipt delivered" or "receipt read" && s.Attribute("notify.receipt.outcome") == "applied");
            Assert.Equal((channel, ingress.SpanId), (receipt.Service, receipt.ParentSpanId));
            Assert.Equal((delivery.DeliveryId, "DELIVERED"), (receipt.Attribute("notify.delivery_id"), receipt.Attribute("notify.status")));
        }

        // Notify's spans name the delivery, never whom it went to or what it said (the
        // sandbox's own spans are the provider's side, which knows both anyway).
        var values = trace.Where(s => s.Service != "sandbox").SelectMany(s => s.Attributes.Select(a => $"{a.Key}={a.Value}")).ToList();
        Assert.DoesNotContain(values, v => v.Contains(recipient, StringComparison.OrdinalIgnoreCase) || v.Contains(body, StringComparison.Ordinal));
    }

    /// <summary>A notification for one channel (one push platform) to a recipient no other test uses.</summary>
    private (SendRequest Request, string Recipient) Message(string provider, string body)
    {
        var unique = RandomNumberGenerator.GetInt32(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new SendRequest { IdempotencyKey = Requests.NewKey(), Recipient = new Recipient(), Content = new Content() };
        string recipient;
        switch (provider)
        {
            case "sendgrid":
                recipient = $"trace-{Guid.NewGuid():N}@example.com";
                request.Recipient.Email = recipient;
                request.Channels.Add(Channel.Email);
                request.Content.Email = new EmailContent { Subject = "Trace", TextBody = body };
                break;
            case "twilio":
                recipient = "+1415557" + unique;
                request.Recipient.Phone = recipient;
                request.Channels.Add(Channel.Sms);
                request.Content.Sms = new SmsContent { Body = body };
                break;
            case "whatsapp":
                recipient = "+1415558" + unique;
                request.Recipient.Whatsapp = recipient;
                request.Channels.Add(Channel.Whatsapp);
                request.Content.Whatsapp = new WhatsAppContent { Text = body };
                break;
            case "webhook":
                recipient = new Uri(topology.App.GetEndpoint("sandbox", "http"), $"/webhooks/trace-{Guid.NewGuid():N}").ToString();
                request.Recipient.WebhookUrl = recipient;
                request.Channels.Add(Channel.Webhook);
                request.Content.Webhook = new WebhookContent { EventType = "trace.checked" };
                // The webhook path is the secret part of its URL; the origin is shown masked.
                recipient = new Uri(recipient).AbsolutePath;
                break;
            case "fcm":
                recipient = $"fcm-{Guid.NewGuid():N}:APA91b";
                request.Recipient.PushDevices.Add(new PushDevice { Platform = PushPlatform.Fcm, Token = recipient });
                request.Channels.Add(Channel.Push);
                request.Content.Push = new PushContent { Title = "Trace", Body = body };
                break;
            case "apns":
                recipient = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
                request.Recipient.PushDevices.Add(new PushDevice { Platform = PushPlatform.Apns, Token = recipient });
                request.Channels.Add(Channel.Push);
                request.Content.Push = new PushContent { Title = "Trace", Body = body };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, null);
        }
        return (request, recipient);
    }

    private async Task<Notify.Grpc.V1.Delivery> WaitForDeliveredAsync(string notificationId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var delivery = Assert.Single((await topology.Client.GetNotificationAsync(
                new GetNotificationRequest { NotificationId = notificationId }, topology.DevelopmentKey)).Deliveries);
            if (delivery.Status == DeliveryStatus.Delivered)
            {
                return delivery;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The delivery was not delivered within 30 s: {delivery}");
            await Task.Delay(100);
        }
    }

    private async Task<string> StoredTraceparentAsync(string notificationId)
    {
        await using var database = Npgsql.NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        await using var query = database.CreateCommand("SELECT traceparent FROM notify.notifications WHERE id = @id");
        query.Parameters.AddWithValue("id", Guid.Parse(notificationId));
        return (string)(await query.ExecuteScalarAsync())!;
    }

    private async Task<JsonElement[]> SandboxMessagesAsync(string deliveryId)
    {
        using var http = new HttpClient { BaseAddress = topology.App.GetEndpoint("sandbox", "http") };
        var answer = await http.GetFromJsonAsync<JsonElement>($"/sandbox/messages?deliveryId={deliveryId}");
        return [.. answer.GetProperty("messages").EnumerateArray()];
    }
}
