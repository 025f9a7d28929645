using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Notify.Tests.Infrastructure;
using Notify.Tests.Webhook;

namespace Notify.Tests.Sandbox.Receipts;

/// <summary>
/// The sandbox in-process on the real clock with short receipt delays, and a real HTTP receiver on
/// loopback standing in for the email, SMS and WhatsApp processes. The receiver is reached the way
/// the topology reaches the channels: SendGrid's <c>http://email/…</c> and WhatsApp's
/// <c>http://whatsapp/…</c> through service discovery (<c>services:email:http:0</c>), Twilio's
/// through the <c>StatusCallback</c> each send names. The signing secrets are the development ones
/// in the sandbox's <c>appsettings.Development.json</c>; tests verify them with the public halves
/// the receiving processes are configured with.
/// </summary>
public sealed class ReceiptFixture : IAsyncDisposable
{
    public const string SendGridKey = "SG.receipts.key";
    public const string TwilioSid = "AC00112233445566778899aabbccddeeff";
    public const string TwilioToken = "twilio-receipts-token";
    public const string WhatsAppToken = "whatsapp-receipts-token";
    public const string PhoneNumberId = "106540352242922";

    /// <summary>The development verification key (SPKI) matching the sandbox's development signing key.</summary>
    public const string SendGridVerificationKey =
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+rf/iVvyFZCWSUqEg+RzJiiJ5x98fWVTp496zuWIIjkUf+Uldh3rahbJ1M1RxtopnavDdDlG4B5VhTWSv3WDMA==";

    public const string WhatsAppAppSecret = "sandbox-whatsapp-app-secret";

    /// <summary>Added to the sandbox's magic-recipient tables by this fixture's configuration.</summary>
    public const string ConfiguredBounceLocalPart = "hardfail";
    public const string ConfiguredTwilioNumber = "+15005550009";
    public const int ConfiguredTwilioError = 30008;
    public const string ConfiguredWhatsAppNumber = "15005550131";
    public const int ConfiguredWhatsAppError = 131000;

    private readonly WebApplicationFactory<global::Notify.Sandbox.SandboxEntryPoint> _factory;

    public ReceiptFixture()
    {
        var receiver = $"http://127.0.0.1:{Receiver.Port}";
        _factory = new WebApplicationFactory<global::Notify.Sandbox.SandboxEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            host.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
            host.UseSetting("Sandbox:SendGrid:ApiKeys:0", SendGridKey);
            host.UseSetting($"Sandbox:Twilio:Accounts:{TwilioSid}", TwilioToken);
            host.UseSetting("Sandbox:WhatsApp:AccessTokens:0", WhatsAppToken);
            host.UseSetting("services:email:http:0", receiver);
            host.UseSetting("services:whatsapp:http:0", receiver);
            host.UseSetting("Sandbox:Receipts:Delay", "00:00:00.010");
            host.UseSetting("Sandbox:Receipts:RetryDelays:0", "00:00:00.050");
            host.UseSetting("Sandbox:Receipts:RetryDelays:1", "00:00:00.050");
            host.UseSetting($"Sandbox:SendGrid:ReceiptOutcomes:{ConfiguredBounceLocalPart}", "Bounce");
            host.UseSetting($"Sandbox:Twilio:ReceiptErrors:{ConfiguredTwilioNumber.TrimStart('+')}", ConfiguredTwilioError.ToString());
            host.UseSetting($"Sandbox:WhatsApp:ReceiptErrors:{ConfiguredWhatsAppNumber}", ConfiguredWhatsAppError.ToString());
        });
        Client = _factory.CreateClient();
    }

    public ScriptedEndpoint Receiver { get; } = new();

    public CapturedLogs Logs { get; } = new();

    public HttpClient Client { get; }

    /// <summary>Where Twilio status callbacks for <paramref name="deliveryId"/> go: the receiver, with the id in the query as Notify's SMS process names it.</summary>
    public string StatusCallback(string deliveryId, string path = "/webhooks/twilio/status") =>
        $"http://127.0.0.1:{Receiver.Port}{path}?delivery_id={Uri.EscapeDataString(deliveryId)}";

    public async Task ResetAsync()
    {
        (await Client.PostAsync("/sandbox/reset", null)).EnsureSuccessStatusCode();
        Receiver.Reset();
    }

    /// <summary>Sends one email through SendGrid's Mail Send; answers the <c>X-Message-Id</c>.</summary>
    public async Task<string> SendEmailAsync(string to, string deliveryId, string notificationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send")
        {
            Content = JsonContent.Create(new
            {
                personalizations = new[] { new { to = new[] { new { email = to } }, custom_args = new { delivery_id = deliveryId, notification_id = notificationId } } },
                from = new { email = "noreply@example.com" },
                subject = "Your order",
                content = new[] { new { type = "text/plain", value = "Shipped." } },
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendGridKey);
        var response = await Client.SendAsync(request);
        Assert.Equal(202, (int)response.StatusCode);
        return response.Headers.GetValues("X-Message-Id").Single();
    }

    /// <summary>Sends one SMS through Twilio's Messages API; answers the message SID.</summary>
    public async Task<string> SendSmsAsync(string to, string deliveryId, string? statusCallback)
    {
        var form = new Dictionary<string, string> { ["To"] = to, ["From"] = "+15005550006", ["Body"] = "Your code is 123456" };
        if (statusCallback is not null)
        {
            form["StatusCallback"] = statusCallback;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/2010-04-01/Accounts/{TwilioSid}/Messages.json") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioSid}:{TwilioToken}")));
        request.Headers.Add("X-Notify-Delivery-Id", deliveryId);
        var response = await Client.SendAsync(request);
        Assert.Equal(201, (int)response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sid").GetString()!;
    }

    /// <summary>Sends one WhatsApp text with the delivery id as <c>biz_opaque_callback_data</c>; answers the wamid.</summary>
    public async Task<string> SendWhatsAppAsync(string to, string deliveryId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{PhoneNumberId}/messages")
        {
            Content = JsonContent.Create(new
            {
                messaging_product = "whatsapp",
                to,
                type = "text",
                text = new { body = "Your order shipped" },
                biz_opaque_callback_data = deliveryId,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WhatsAppToken);
        var response = await Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages")[0].GetProperty("id").GetString()!;
    }

    public async Task<JsonElement[]> ReceiptsAsync(string deliveryId)
    {
        var body = await Client.GetFromJsonAsync<JsonElement>("/sandbox/receipts?deliveryId=" + Uri.EscapeDataString(deliveryId));
        return [.. body.GetProperty("receipts").EnumerateArray()];
    }

    /// <summary>The events the sandbox planned for a delivery, in order (known as soon as the send is accepted).</summary>
    public async Task<string[]> PlannedEventsAsync(string deliveryId) =>
        [.. (await ReceiptsAsync(deliveryId)).Select(r => r.GetProperty("event").GetString()!)];

    /// <summary>
    /// Waits until the receiver has answered every receipt planned for the delivery with a 2xx
    /// (each tried, last status 2xx) and returns the receipts as the control API shows them.
    /// </summary>
    public async Task<JsonElement[]> AllAnsweredAsync(string deliveryId) =>
        await EventuallyAsync(async () =>
        {
            var receipts = await ReceiptsAsync(deliveryId);
            return receipts.Length > 0 && receipts.All(r => r.GetProperty("status").ValueKind == JsonValueKind.Number
                && r.GetProperty("status").GetInt32() is >= 200 and < 300) ? receipts : null;
        }, $"every receipt of delivery {deliveryId} answered with 2xx");

    /// <summary>Polls until <paramref name="probe"/> answers non-null; fails after a generous limit, showing what the sandbox logged.</summary>
    public async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } result)
            {
                return result;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}. Sandbox log tail:\n{string.Join('\n', Logs.Lines.TakeLast(20))}");
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>Every receipt test starts with an empty sandbox and a receiver that answers 200.</summary>
public abstract class ReceiptTests(ReceiptFixture fixture) : IClassFixture<ReceiptFixture>, IAsyncLifetime
{
    protected ReceiptFixture Sandbox { get; } = fixture;

    protected ScriptedEndpoint Receiver => Sandbox.Receiver;

    public ValueTask InitializeAsync() => new(Sandbox.ResetAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected static string NewDeliveryId() => Guid.NewGuid().ToString();

    /// <summary>The requests the receiver got on <paramref name="path"/> (no query) whose body or query mentions <paramref name="deliveryId"/>.</summary>
    protected IReadOnlyList<ReceivedRequest> ReceivedFor(string path, string deliveryId) =>
        [.. Receiver.Requests.Where(r => r.PathAndQuery.Split('?')[0] == path
            && (r.PathAndQuery.Contains(Uri.EscapeDataString(deliveryId), StringComparison.Ordinal)
                || Encoding.UTF8.GetString(r.Body).Contains(deliveryId, StringComparison.Ordinal)))];
}
