using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using Notify.Tests.Webhook;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology with short retry delays and call timeouts for webhook tests, the webhook
/// process signing with two secrets (a rotation in progress: a new one first, the old one
/// second) and the sandbox's receiver holding only the old one.
/// </summary>
public class WebhookTopologyFixture : TopologyFixture
{
    public string CurrentSecret { get; } = SpecVerifier.NewSecret();

    public string PreviousSecret { get; } = SpecVerifier.NewSecret();

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__RetryDelays__0"] = "00:00:00.200",
            // Room for a loaded machine: a call to the local sandbox never takes this long otherwise.
            ["Notify__Delivery__CallTimeout"] = "00:00:05",
            ["Notify__Delivery__Lease"] = "00:00:15",
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
            // No other test fails three calls in a row: each fails at most its first.
            ["Notify__Delivery__CircuitFailures"] = "3",
            ["Notify__Delivery__CircuitBreak"] = "00:00:08",
            ["Notify__Webhook__SigningSecrets__0"] = CurrentSecret,
            ["Notify__Webhook__SigningSecrets__1"] = PreviousSecret,
        },
        SandboxEnvironment = new Dictionary<string, string>
        {
            ["Sandbox__Webhook__SigningSecrets__0"] = PreviousSecret,
            // Request n after faults are set falls on slot 37n mod 100: at 10 % exactly the
            // first request fails and the next ones pass (see FaultInjector).
            ["Sandbox__Seed"] = "0",
        },
    };

    public Uri Sandbox => App.GetEndpoint("sandbox", "http");

    public string EndpointUrl(string name) => new Uri(Sandbox, "/webhooks/" + name).ToString();

    /// <summary>Sends one webhook notification to the sandbox endpoint <paramref name="endpoint"/> (or a URL).</summary>
    public async Task<(string NotificationId, string DeliveryId)> SendWebhookAsync(string endpoint, string eventType = "invoice.paid")
    {
        var request = new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Recipient = new Recipient { WebhookUrl = endpoint.Contains("://") ? endpoint : EndpointUrl(endpoint) },
            Channels = { Channel.Webhook },
            Content = new Content
            {
                Webhook = new WebhookContent
                {
                    EventType = eventType,
                    Payload = Google.Protobuf.WellKnownTypes.Struct.Parser.ParseJson("""{"invoice":"in_42","amount":1999}"""),
                },
            },
        };
        var sent = await Client.SendAsync(request, DevelopmentKey);
        return (sent.NotificationId, sent.Deliveries[0].DeliveryId);
    }

    public async Task<Notify.Grpc.V1.Delivery> DeliveryAsync(string notificationId) =>
        (await Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = notificationId }, DevelopmentKey)).Deliveries[0];

    /// <summary>Polls the delivery until <paramref name="done"/> holds; fails with its last state after 30 s.</summary>
    public async Task<Notify.Grpc.V1.Delivery> WaitForAsync(string notificationId, Func<Notify.Grpc.V1.Delivery, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var delivery = await DeliveryAsync(notificationId);
            if (done(delivery))
            {
                return delivery;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Waited 30 s for {what}; the delivery is {delivery}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A fault percentage that fails exactly the next request to the webhook receiver (with seed 0).</summary>
    public const int FirstRequestOnly = 10;

    public async Task SetFaultsAsync(object faults)
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        var response = await http.PostAsJsonAsync("/sandbox/faults", faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task ClearFaultsAsync()
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        (await http.DeleteAsync("/sandbox/faults?provider=webhook")).EnsureSuccessStatusCode();
    }

    /// <summary>What the sandbox recorded for a delivery id (provider <c>webhook</c>).</summary>
    public async Task<JsonElement[]> MessagesAsync(string deliveryId)
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        var answer = await http.GetFromJsonAsync<JsonElement>($"/sandbox/messages?provider=webhook&deliveryId={deliveryId}");
        return [.. answer.GetProperty("messages").EnumerateArray()];
    }

    /// <summary>The webhook requests the sandbox accepted for a delivery id, headers and raw body.</summary>
    public async Task<JsonElement[]> ReceivedAsync(string deliveryId)
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        var answer = await http.GetFromJsonAsync<JsonElement>($"/sandbox/webhooks?deliveryId={deliveryId}");
        return [.. answer.GetProperty("requests").EnumerateArray()];
    }

    public async Task<long> RejectedAsync()
    {
        using var http = new HttpClient { BaseAddress = Sandbox };
        return (await http.GetFromJsonAsync<JsonElement>("/sandbox/stats")).GetProperty("webhook").GetProperty("rejected").GetInt64();
    }
}
