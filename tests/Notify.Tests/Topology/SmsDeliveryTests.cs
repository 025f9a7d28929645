using System.Net.Http.Json;
using System.Text.Json;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Topology;

/// <summary>An SMS accepted by the ingress reaches the provider sandbox through the SMS process, once.</summary>
public sealed class SmsDeliveryTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    [Fact]
    public async Task An_sms_is_sent_through_twilio_and_seen_by_the_sandbox_exactly_once()
    {
        var request = Requests.AllChannels();
        request.Channels.Clear();
        request.Channels.Add(Channel.Sms);
        request.Recipient.Phone = "+14155550199";

        var sent = await topology.Client.SendAsync(request, topology.DevelopmentKey);
        var deliveryId = sent.Deliveries[0].DeliveryId;
        Notify.Grpc.V1.Delivery delivery;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(200);
            delivery = (await topology.Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = sent.NotificationId }, topology.DevelopmentKey)).Deliveries[0];
        }
        // The sandbox's status callbacks may already have moved it on to DELIVERED.
        while (delivery.Status is not (DeliveryStatus.Sent or DeliveryStatus.Delivered) && DateTime.UtcNow < deadline);

        Assert.Contains(delivery.Status, new[] { DeliveryStatus.Sent, DeliveryStatus.Delivered });
        Assert.Equal("twilio", delivery.Provider);
        Assert.StartsWith("SM", delivery.ProviderMessageId);
        using var http = new HttpClient();
        var seen = await http.GetFromJsonAsync<JsonElement>(new Uri(topology.App.GetEndpoint("sandbox", "http"), $"/sandbox/messages?deliveryId={deliveryId}"));
        var message = Assert.Single(seen.GetProperty("messages").EnumerateArray());
        Assert.Equal("twilio", message.GetProperty("provider").GetString());
        Assert.Equal(delivery.ProviderMessageId, message.GetProperty("providerMessageId").GetString());
        Assert.Equal(1, message.GetProperty("arrivals").GetInt32());

        // The SMS process counted the call and timed the message from acceptance.
        var metrics = await http.GetStringAsync(new Uri(topology.App.GetEndpoint("sms", OperatorEndpoint.Name), "/metrics"));
        Assert.Matches(@"notify_delivery_attempts_total\{[^}]*outcome=""sent""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"notify_delivery_accept_to_provider_seconds_count\{[^}]*channel=""sms""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"notify_circuit_state\{[^}]*provider=""twilio""[^}]*\} 0", metrics);
    }
}
