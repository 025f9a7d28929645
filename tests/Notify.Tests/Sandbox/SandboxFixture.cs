using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Sandbox;

/// <summary>
/// The provider sandbox hosted in-process on a fake clock, so injected timeouts, outages and
/// token expiry are driven by the test rather than by waiting.
/// </summary>
public sealed class SandboxFixture : IAsyncDisposable
{
    public const string SendGridKey = "SG.test.key";
    public const string TwilioSid = "AC0123456789abcdef0123456789abcdef";
    public const string TwilioToken = "twilio-test-token";
    public const string WhatsAppToken = "whatsapp-test-token";
    public const string FcmServiceAccount = "sandbox-test@notify-test.iam.gserviceaccount.com";
    public const string ApnsKeyId = "TESTKEY001";
    public const string ApnsTeamId = "TESTTEAM01";
    public const string ApnsTopic = "com.example.notify";
    public const string WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string SmtpUser = "tester";
    public const string SmtpPassword = "smtp-test-password";

    private readonly WebApplicationFactory<global::Notify.Sandbox.SandboxEntryPoint> _factory;

    public SandboxFixture()
    {
        _factory = new WebApplicationFactory<global::Notify.Sandbox.SandboxEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            host.ConfigureLogging(logging => logging.AddProvider(Logs));
            host.UseSetting("Sandbox:SendGrid:ApiKeys:0", SendGridKey);
            host.UseSetting($"Sandbox:Twilio:Accounts:{TwilioSid}", TwilioToken);
            host.UseSetting("Sandbox:WhatsApp:AccessTokens:0", WhatsAppToken);
            host.UseSetting($"Sandbox:Fcm:ServiceAccounts:{FcmServiceAccount}", FcmKey.ExportSubjectPublicKeyInfoPem());
            host.UseSetting($"Sandbox:Apns:Keys:{ApnsKeyId}:TeamId", ApnsTeamId);
            host.UseSetting($"Sandbox:Apns:Keys:{ApnsKeyId}:PublicKeyPem", ApnsKey.ExportSubjectPublicKeyInfoPem());
            host.UseSetting($"Sandbox:Apns:Keys:{ApnsKeyId}:Topics:0", ApnsTopic);
            host.UseSetting("Sandbox:Webhook:SigningSecrets:0", WebhookSecret);
            host.UseSetting("Sandbox:Smtp:Port", "0");
            host.UseSetting($"Sandbox:Smtp:Users:{SmtpUser}", SmtpPassword);
            // Receipts have their own fixture with a real clock and a real receiver (ReceiptFixture).
            host.UseSetting("Sandbox:Receipts:Enabled", "false");
            host.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
        });
        Client = _factory.CreateClient();
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The test service account's key: the sandbox knows its public half (<see cref="FcmServiceAccount"/>).</summary>
    public RSA FcmKey { get; } = RSA.Create(2048);

    /// <summary>The test APNs auth key (<see cref="ApnsKeyId"/> of team <see cref="ApnsTeamId"/>).</summary>
    public ECDsa ApnsKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public CapturedLogs Logs { get; } = new();

    public HttpClient Client { get; }

    public HttpClient CreateClient() => _factory.CreateClient();

    /// <summary>The sandbox's services (its options, say).</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>A handler that reaches the in-process sandbox, for clients built by the code under test.</summary>
    public HttpMessageHandler CreateHandler() => _factory.Server.CreateHandler();

    /// <summary>Where the sandbox's SMTP server listens (a real loopback socket, unlike the HTTP test server).</summary>
    public System.Net.IPEndPoint SmtpEndPoint =>
        _factory.Services.GetRequiredService<global::Notify.Sandbox.Providers.Smtp.SmtpListener>().LocalEndPoint
        ?? throw new InvalidOperationException("The sandbox's SMTP server is not listening.");

    public async Task ResetAsync() => (await Client.PostAsync("/sandbox/reset", null)).EnsureSuccessStatusCode();

    public async Task SetFaultsAsync(object faults)
    {
        var response = await Client.PostAsJsonAsync("/sandbox/faults", faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<JsonElement[]> MessagesAsync(string? provider = null, string? deliveryId = null)
    {
        var query = new List<string>();
        if (provider is not null)
        {
            query.Add("provider=" + Uri.EscapeDataString(provider));
        }
        if (deliveryId is not null)
        {
            query.Add("deliveryId=" + Uri.EscapeDataString(deliveryId));
        }
        var body = await Client.GetFromJsonAsync<JsonElement>("/sandbox/messages?" + string.Join('&', query));
        return [.. body.GetProperty("messages").EnumerateArray()];
    }

    public async Task<JsonElement> StatsAsync(string provider) =>
        (await Client.GetFromJsonAsync<JsonElement>("/sandbox/stats")).GetProperty(provider);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        FcmKey.Dispose();
        ApnsKey.Dispose();
    }
}

/// <summary>Every sandbox test class starts from an empty recording and no faults.</summary>
public abstract class SandboxTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    protected SandboxFixture Sandbox { get; } = sandbox;

    public ValueTask InitializeAsync() => new(Sandbox.ResetAsync());

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected static string NewDeliveryId() => Guid.NewGuid().ToString();

    protected static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement;
    }
}
