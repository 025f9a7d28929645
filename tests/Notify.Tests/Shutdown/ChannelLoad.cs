using Notify.Grpc.V1;
using Notify.Outbox;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Shutdown;

/// <summary>
/// A few hundred notifications to one channel, sent as a client would (batches, one
/// idempotency key each), to recipients that none of the sandbox's magic outcomes match.
/// </summary>
public static class ChannelLoad
{
    /// <summary>The provider each channel's messages reach first: where the sandbox counts them.</summary>
    public static string ProviderOf(string channel) => ProviderNames.For(channel)[0];

    public static SendRequest Request(string channel, int index, Uri sandbox, string scenario)
    {
        var request = new SendRequest { IdempotencyKey = Requests.NewKey(), Recipient = new Recipient(), Content = new Content() };
        // Ten recipients per channel: a WhatsApp number's messaging tier counts distinct ones.
        var phone = $"+141555600{index % 10:00}";
        switch (channel)
        {
            case ChannelNames.Email:
                request.Channels.Add(Channel.Email);
                request.Recipient.Email = $"kill{index % 10}@example.com";
                request.Content.Email = new EmailContent { Subject = "Your receipt", TextBody = "Thanks for your order." };
                break;
            case ChannelNames.Sms:
                request.Channels.Add(Channel.Sms);
                request.Recipient.Phone = phone;
                request.Content.Sms = new SmsContent { Body = "Your order shipped." };
                break;
            case ChannelNames.WhatsApp:
                request.Channels.Add(Channel.Whatsapp);
                request.Recipient.Phone = phone;
                request.Content.Whatsapp = new WhatsAppContent { Text = "Your order shipped." };
                break;
            case ChannelNames.Webhook:
                request.Channels.Add(Channel.Webhook);
                request.Recipient.WebhookUrl = new Uri(sandbox, $"/webhooks/{scenario}").ToString();
                request.Content.Webhook = new WebhookContent { EventType = "order.shipped" };
                break;
            case ChannelNames.Push:
                request.Channels.Add(Channel.Push);
                request.Recipient.PushDevices.Add(new PushDevice { Platform = PushPlatform.Fcm, Token = $"fcm-token_kill{index % 10}:abc" });
                request.Content.Push = new PushContent { Title = "Shipped", Body = "Your order shipped." };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(channel), channel, "not a channel");
        }
        return request;
    }

    /// <summary>Sends <paramref name="count"/> notifications to <paramref name="channel"/>; returns their delivery ids.</summary>
    public static async Task<IReadOnlyList<Guid>> SendAsync(ProcessKillTopologyFixture topology, string channel, int count, string scenario)
    {
        var ids = new List<Guid>(count);
        for (var start = 0; start < count; start += 50)
        {
            var batch = new SendBatchRequest();
            for (var i = start; i < Math.Min(count, start + 50); i++)
            {
                batch.Notifications.Add(Request(channel, i, topology.Sandbox, scenario));
            }
            var answer = await topology.Client.SendBatchAsync(batch, topology.DevelopmentKey);
            Assert.Equal(batch.Notifications.Count, answer.AcceptedCount);
            ids.AddRange(answer.Results.Select(r => Guid.Parse(r.Accepted.Deliveries.Single().DeliveryId)));
        }
        return ids;
    }
}
