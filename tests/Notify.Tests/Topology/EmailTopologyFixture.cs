using System.Net.Http.Json;
using System.Text.Json;
using Notify.AppHost;
using Notify.Grpc.V1;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology with the email engine tuned for tests: retries after 200 ms, a circuit that
/// opens after <see cref="CircuitFailures"/> failures in a row for <see cref="CircuitBreak"/>,
/// a three-second call timeout, and one send at a time so the order of calls is the order of
/// claims (the circuit tests count calls). Its sandbox serves only the email tests, which
/// reset it before each test.
/// </summary>
public sealed class EmailTopologyFixture : TopologyFixture, IAsyncLifetime
{
    public const int CircuitFailures = 3;
    public static readonly TimeSpan CircuitBreak = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private static readonly HttpClient Http = new();

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options)
    {
        var environment = new Dictionary<string, string>
        {
            ["Notify__Delivery__CircuitFailures"] = CircuitFailures.ToString(),
            ["Notify__Delivery__CircuitBreak"] = CircuitBreak.ToString(),
            ["Notify__Delivery__CallTimeout"] = CallTimeout.ToString(),
            ["Notify__Delivery__Lease"] = "00:00:10",
            ["Notify__Delivery__MaxConcurrency"] = "1",
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
        };
        for (var i = 0; i < 5; i++)
        {
            environment[$"Notify__Delivery__RetryDelays__{i}"] = "00:00:00.200";
        }
        // These tests watch the sending path and wait for SENT; the sandbox's SendGrid receipts
        // would move a delivery on to DELIVERED ~200 ms later, under the waiting test's feet.
        var sandbox = new Dictionary<string, string> { ["Sandbox__Receipts__Enabled"] = "false" };
        return options with { ChannelEnvironment = environment, SandboxEnvironment = sandbox };
    }

    /// <summary>
    /// Starts the topology and settles it: a fresh process's first call compiles the SDKs,
    /// resolves the sandbox and opens connections, which on a busy machine can outlast the
    /// call timeout the tests set on purpose.
    /// </summary>
    async ValueTask IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        await SettleAsync();
    }

    /// <summary>
    /// Brings both providers to a known state before a test: each has just answered a call
    /// successfully, so both circuits are closed and count failures from zero (a circuit a
    /// previous test left open closes only through a successful probe once its break is
    /// over), and the sandbox is reset.
    /// </summary>
    public async Task SettleAsync()
    {
        await ResetSandboxAsync();
        await SendUntilAsync("sendgrid", "settle-sendgrid@example.com");
        // SMTP is called only when SendGrid fails: fail its next call, once per try.
        await SendUntilAsync("smtp", "settle-smtp@example.com", () => SetFaultsAsync(new { provider = "sendgrid", serverErrorPercent = 1 }));
        await ClearFaultsAsync();
        await SendUntilAsync("sendgrid", "settle-sendgrid@example.com");
        await ResetSandboxAsync();
    }

    private async Task SendUntilAsync(string provider, string recipient, Func<Task>? before = null)
    {
        for (var i = 0; i < 10; i++)
        {
            if (before is not null)
            {
                await before();
            }
            var (notificationId, _) = await SendEmailAsync(recipient);
            var delivery = await WaitForFinalAsync(notificationId);
            if (delivery.Status == DeliveryStatus.Sent && delivery.Provider == provider)
            {
                return;
            }
        }
        throw new InvalidOperationException($"No email went out through {provider} in ten tries.");
    }

    private Uri Sandbox(string path) => new(App.GetEndpoint("sandbox", "http"), path);

    public async Task ResetSandboxAsync() => (await Http.PostAsync(Sandbox("/sandbox/reset"), null)).EnsureSuccessStatusCode();

    public async Task SetFaultsAsync(object faults)
    {
        var response = await Http.PostAsJsonAsync(Sandbox("/sandbox/faults"), faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task ClearFaultsAsync() => (await Http.DeleteAsync(Sandbox("/sandbox/faults"))).EnsureSuccessStatusCode();

    /// <summary>What the sandbox recorded for one provider, optionally for one delivery.</summary>
    public async Task<JsonElement[]> MessagesAsync(string provider, string? deliveryId = null)
    {
        var query = $"/sandbox/messages?provider={provider}" + (deliveryId is null ? "" : $"&deliveryId={deliveryId}");
        var body = await Http.GetFromJsonAsync<JsonElement>(Sandbox(query));
        return [.. body.GetProperty("messages").EnumerateArray()];
    }

    public async Task<long> RejectedAsync(string provider) =>
        (await Http.GetFromJsonAsync<JsonElement>(Sandbox("/sandbox/stats"))).GetProperty(provider).GetProperty("rejected").GetInt64();

    /// <summary>Sends one email notification and returns its notification id and delivery id.</summary>
    public async Task<(string NotificationId, string DeliveryId)> SendEmailAsync(string recipient)
    {
        var request = Infrastructure.Requests.Email(email: recipient);
        var sent = await Client.SendAsync(request, DevelopmentKey);
        return (sent.NotificationId, sent.Deliveries[0].DeliveryId);
    }

    public async Task<Notify.Grpc.V1.Delivery> DeliveryAsync(string notificationId) =>
        (await Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = notificationId }, DevelopmentKey)).Deliveries[0];

    /// <summary>Polls the delivery until <paramref name="done"/> holds (30 s at most) and returns its last state.</summary>
    public async Task<Notify.Grpc.V1.Delivery> WaitForAsync(string notificationId, Func<Notify.Grpc.V1.Delivery, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var delivery = await DeliveryAsync(notificationId);
        while (!done(delivery) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            delivery = await DeliveryAsync(notificationId);
        }
        return delivery;
    }

    public Task<Notify.Grpc.V1.Delivery> WaitForFinalAsync(string notificationId) =>
        WaitForAsync(notificationId, d => d.Status is DeliveryStatus.Sent or DeliveryStatus.Dead);
}
