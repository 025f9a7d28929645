using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Topology;

/// <summary>
/// What an operator sees of a channel process: the documented metric names on <c>/metrics</c>
/// with values that follow what happened, and <c>/health/detail</c> while a provider is down.
/// </summary>
public sealed class TelemetryTests(TelemetryTopologyFixture topology) : IClassFixture<TelemetryTopologyFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new();
    private OperatorProbe Probe => new(topology.App, _http);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // Leave the sandbox as the next test expects it, whatever this one did.
        await _http.DeleteAsync(Sandbox("/sandbox/faults?provider=twilio"));
        _http.Dispose();
    }

    [Fact]
    public async Task A_channels_metrics_show_its_queue_circuits_and_attempts_under_the_documented_names()
    {
        // One message sent, one dead-lettered (the sandbox refuses the number as invalid: 21211).
        await SetFaultsAsync(new { provider = "twilio", invalidRecipientPattern = @"^\+14155550166$" });
        var sent = await SendSmsAsync("+14155550165");
        var refused = await SendSmsAsync("+14155550166");
        // SENT, or DELIVERED already when Twilio's status callback came first (a slow poll on a busy machine).
        await WaitForAsync(sent, d => d.Status is DeliveryStatus.Sent or DeliveryStatus.Delivered);
        var dead = await WaitForAsync(refused, d => d.Status == DeliveryStatus.Dead);
        Assert.Equal("21211", dead.LastErrorCode);

        // The queue gauges come from the channel's periodic reading, which may predate the last
        // completion: wait for one that shows the queue empty and the one dead letter.
        string[] settled =
        [
            Series("notify_queue_dead", "channel=\"sms\"") + " 1$",
            Series("notify_queue_depth", "channel=\"sms\"", "status=\"PENDING\"") + " 0$",
            Series("notify_queue_depth", "channel=\"sms\"", "status=\"RETRYING\"") + " 0$",
            Series("notify_queue_depth", "channel=\"sms\"", "status=\"SENDING\"") + " 0$",
            Series("notify_queue_oldest_claimable_age_seconds", "channel=\"sms\"") + " 0$",
        ];
        var metrics = await EventuallyAsync(() => MetricsAsync("sms"), m => settled.All(series => Regex.IsMatch(m, series)));

        Assert.Matches(Series("notify_circuit_state", "channel=\"sms\"", "provider=\"twilio\"") + " 0$", metrics);
        Assert.Matches(Series("notify_ratelimit_fallback", "channel=\"sms\"") + " 0$", metrics);
        Assert.Matches(Series("notify_delivery_attempts_total", "channel=\"sms\"", "outcome=\"sent\"") + " [1-9]", metrics);
        Assert.Matches(Series("notify_delivery_attempts_total", "error_code=\"21211\"", "outcome=\"permanent\"") + " [1-9]", metrics);
        Assert.Matches(Series("notify_delivery_finished_total", "channel=\"sms\"", "status=\"DEAD\"") + " [1-9]", metrics);
        Assert.Matches(Series("notify_delivery_accept_to_provider_seconds_count", "channel=\"sms\"") + " [1-9]", metrics);
        Assert.Matches(Series("notify_delivery_provider_call_duration_seconds_count", "provider=\"twilio\"") + " [1-9]", metrics);
    }

    [Fact]
    public async Task The_detailed_health_view_shows_an_open_circuit_while_the_provider_fails_and_recovery_after()
    {
        // Every Twilio call fails with a 500 and no Retry-After: two failures open the circuit.
        await SetFaultsAsync(new { provider = "twilio", serverErrorPercent = 100 });
        var failing = await SendSmsAsync("+14155550177");

        var (status, detail) = await EventuallyAsync(() => DetailAsync("sms"),
            d => Twilio(d.Body).GetProperty("circuit").GetString() == "open" && d.Body.GetProperty("channel").GetProperty("queue") is { ValueKind: JsonValueKind.Object } q && q.GetProperty("retrying").GetInt64() > 0);
        var metrics = await MetricsAsync("sms");
        await ClearFaultsAsync();

        // Still ready (PostgreSQL and Redis are fine), but degraded, and saying why.
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(detail.GetProperty("ready").GetBoolean());
        Assert.Equal("Degraded", detail.GetProperty("status").GetString());
        var checks = detail.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("PostgreSql").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("StackExchange.Redis").GetProperty("status").GetString());
        Assert.Contains("twilio circuit open", checks.GetProperty("channel").GetProperty("description").GetString());
        var channel = detail.GetProperty("channel");
        Assert.Equal("sms", channel.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(channel.GetProperty("workerId").GetString()));
        Assert.False(channel.GetProperty("claiming").GetBoolean());
        Assert.False(channel.GetProperty("paused").GetBoolean());
        var twilio = Twilio(detail);
        Assert.True(twilio.GetProperty("blocking").GetBoolean());
        Assert.True(twilio.GetProperty("probeAt").GetDateTime() > DateTime.UtcNow - TelemetryTopologyFixture.CircuitBreak);
        var rateLimit = channel.GetProperty("rateLimit");
        Assert.Equal(1, rateLimit.GetProperty("perSecond").GetDouble());
        Assert.False(rateLimit.GetProperty("redisFallback").GetBoolean());
        Assert.True(channel.GetProperty("queue").GetProperty("oldestClaimableAgeSeconds").GetDouble() >= 0);
        // /health (the readiness probe) is not taken down by a provider's outage.
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(topology.App.GetEndpoint("sms", OperatorEndpoint.Name), "/health"))).StatusCode);
        Assert.Matches(Series("notify_circuit_state", "channel=\"sms\"", "provider=\"twilio\"") + " 1$", metrics);

        // Once the break ends the probe goes through, the message is sent and the view is healthy again.
        var recovered = await WaitForAsync(failing, d => d.Status is DeliveryStatus.Sent or DeliveryStatus.Delivered);
        Assert.Equal(TelemetryTopologyFixture.CircuitFailures + 1, recovered.AttemptCount);
        var (_, after) = await EventuallyAsync(() => DetailAsync("sms"), d => d.Body.GetProperty("status").GetString() == "Healthy");
        Assert.Equal("closed", Twilio(after).GetProperty("circuit").GetString());
        Assert.True(after.GetProperty("channel").GetProperty("claiming").GetBoolean());
    }

    [Fact]
    public async Task The_ingress_detail_lists_its_database_and_redis_checks_and_no_channel()
    {
        var (status, detail) = await DetailAsync("ingress");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(detail.GetProperty("ready").GetBoolean());
        Assert.Equal("ingress", detail.GetProperty("service").GetString());
        Assert.Equal("Healthy", detail.GetProperty("checks").GetProperty("PostgreSql").GetProperty("status").GetString());
        Assert.Equal("Healthy", detail.GetProperty("checks").GetProperty("StackExchange.Redis").GetProperty("status").GetString());
        Assert.False(detail.TryGetProperty("channel", out _));
    }

    /// <summary>A regex for one series of <paramref name="name"/> carrying every label given, in any order.</summary>
    private static string Series(string name, params string[] labels)
        => "(?m)^" + Regex.Escape(name) + @"\{" + string.Concat(labels.Select(l => $"(?=[^}}]*{Regex.Escape(l)})")) + @"[^}]*\}";

    private static JsonElement Twilio(JsonElement detail)
        => detail.GetProperty("channel").GetProperty("providers").EnumerateArray().Single(p => p.GetProperty("provider").GetString() == "twilio");

    private Task<string> MetricsAsync(string resource) => Probe.MetricsAsync(resource);

    private Task<(System.Net.HttpStatusCode Status, JsonElement Body)> DetailAsync(string resource) => Probe.DetailAsync(resource);

    private static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition)
        => OperatorProbe.EventuallyAsync(read, condition, Eventually, TimeSpan.FromMilliseconds(100));

    private async Task<SendResponse> SendSmsAsync(string phone)
    {
        var request = new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Recipient = new Recipient { Phone = phone },
            Channels = { Channel.Sms },
            Content = new Content { Sms = new SmsContent { Body = "Telemetry" } },
        };
        return await topology.Client.SendAsync(request, topology.DevelopmentKey);
    }

    private async Task<Notify.Grpc.V1.Delivery> WaitForAsync(SendResponse sent, Func<Notify.Grpc.V1.Delivery, bool> condition)
        => await EventuallyAsync(
            async () => (await topology.Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = sent.NotificationId }, topology.DevelopmentKey)).Deliveries[0],
            condition);

    private Uri Sandbox(string path) => new(topology.App.GetEndpoint("sandbox", "http"), path);

    private async Task SetFaultsAsync(object faults)
    {
        var response = await _http.PostAsJsonAsync(Sandbox("/sandbox/faults"), faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task ClearFaultsAsync() => (await _http.DeleteAsync(Sandbox("/sandbox/faults?provider=twilio"))).EnsureSuccessStatusCode();
}
