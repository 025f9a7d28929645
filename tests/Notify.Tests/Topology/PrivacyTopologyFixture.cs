using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Outbox.Tenants;
using Notify.Tests.Infrastructure.Otlp;
using Notify.Tests.Webhook;
using Npgsql;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology for the privacy and endpoint-security tests: every provider credential and
/// signing secret replaced by a fresh, recognisable one (<see cref="Secrets"/>), a second tenant
/// with its own API key, short retries, and every process exporting logs, traces and metrics to a
/// collector that keeps each export's bytes. So a test can search everything every process wrote,
/// on the console and over OTLP, for a value that must never be there.
/// </summary>
public sealed partial class PrivacyTopologyFixture : TopologyFixture
{
    public const string Collection = "privacy topology";

    private const string FcmClientEmail = "notify-push@notify-dev.iam.gserviceaccount.com";
    private const string TwilioAccountSid = "ACf7df61623f3c7c47560caeab034b3676";
    private static readonly HttpClient Http = new();

    /// <summary>A marker unique to this run, part of every secret, recipient and body the tests use.</summary>
    public string Run { get; } = Guid.NewGuid().ToString("N")[..10];

    /// <summary>Every configured secret by name; none may appear in any output, in any form these values take.</summary>
    public IReadOnlyDictionary<string, string> Secrets => _secrets;

    /// <summary>Where every process exports; keeps the raw bytes.</summary>
    public OtlpReceiver Collector { get; private set; } = null!;

    /// <summary>An API key of a second tenant, created after start (the first is the AppHost's development key).</summary>
    public string SecondApiKey { get; private set; } = "";

    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);
    private readonly RSA _fcmKey = RSA.Create(2048);
    private readonly ECDsa _apnsKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _sendGridReceiptKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public override async ValueTask InitializeAsync()
    {
        Collector = await OtlpReceiver.StartAsync(keepRaw: true);
        await base.InitializeAsync();
        await using var database = NpgsqlDataSource.Create(App.GetConnectionString("notifydb"));
        SecondApiKey = (await new TenantStore(database).CreateAsync("privacy-" + Run)).ApiKey;
        _secrets["second tenant API key"] = SecondApiKey;
        _secrets["development API key"] = Topology.DevelopmentApiKey;
        if (new NpgsqlConnectionStringBuilder(App.GetConnectionString("notifydb")).Password is { Length: > 0 } password)
        {
            _secrets["PostgreSQL password"] = password;
        }
    }

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options)
    {
        var webhookSecret = Secret("webhook signing secret", SpecVerifier.NewSecret());
        var sendGridKey = Secret("SendGrid API key", $"SG.privacy{Run}.{Random(24)}");
        var smtpPassword = Secret("SMTP password", "smtp-" + Random(24));
        var twilioToken = Secret("Twilio auth token", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var whatsAppToken = Secret("WhatsApp access token", "EAAG" + Random(40));
        var whatsAppAppSecret = Secret("WhatsApp app secret", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var verifyToken = Secret("WhatsApp verify token", "verify-" + Random(20));
        var fcmPrivateKey = _fcmKey.ExportPkcs8PrivateKeyPem();
        var apnsPrivateKey = _apnsKey.ExportPkcs8PrivateKeyPem();
        var sendGridSigningKey = Convert.ToBase64String(_sendGridReceiptKey.ExportPkcs8PrivateKey());
        PemSecret("FCM private key", fcmPrivateKey);
        PemSecret("APNs private key", apnsPrivateKey);
        PemSecret("SendGrid receipt signing key", sendGridSigningKey);

        var serviceAccount = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "notify-dev",
            ["private_key_id"] = "privacy-" + Run,
            ["private_key"] = fcmPrivateKey,
            ["client_email"] = FcmClientEmail,
            ["client_id"] = "100000000000000000001",
            ["token_uri"] = "http://sandbox/token",
        };

        var channels = new Dictionary<string, string>
        {
            ["Notify__Delivery__RetryDelays__0"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__1"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__2"] = "00:00:00.200",
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
            ["Notify__Delivery__CallTimeout"] = "00:00:05",
            ["Notify__Delivery__Lease"] = "00:00:20",
            // No test here means to open a circuit: a failure path fails one call at a time.
            ["Notify__Delivery__CircuitFailures"] = "20",
            ["Notify__Email__SendGrid__ApiKey"] = sendGridKey,
            ["Notify__Email__Smtp__Password"] = smtpPassword,
            ["Notify__Email__Receipts__VerificationKeys__0"] = Convert.ToBase64String(_sendGridReceiptKey.ExportSubjectPublicKeyInfo()),
            ["Notify__Sms__Twilio__AuthToken"] = twilioToken,
            ["Notify__WhatsApp__Cloud__AccessToken"] = whatsAppToken,
            ["Notify__WhatsApp__Receipts__AppSecrets__0"] = whatsAppAppSecret,
            ["Notify__WhatsApp__Receipts__VerifyToken"] = verifyToken,
            ["Notify__Webhook__SigningSecrets__0"] = webhookSecret,
            ["Notify__Push__Fcm__ServiceAccountJson"] = serviceAccount.ToJsonString(),
            ["Notify__Push__Apns__PrivateKeyPem"] = apnsPrivateKey,
        };
        var ingress = new Dictionary<string, string>();
        var sandbox = new Dictionary<string, string>
        {
            ["Sandbox__Seed"] = "0",
            ["Sandbox__SendGrid__ApiKeys__0"] = sendGridKey,
            ["Sandbox__Smtp__Users__notify"] = smtpPassword,
            [$"Sandbox__Twilio__Accounts__{TwilioAccountSid}"] = twilioToken,
            ["Sandbox__WhatsApp__AccessTokens__0"] = whatsAppToken,
            ["Sandbox__Receipts__WhatsApp__AppSecret"] = whatsAppAppSecret,
            ["Sandbox__Receipts__SendGrid__SigningKey"] = sendGridSigningKey,
            ["Sandbox__Webhook__SigningSecrets__0"] = webhookSecret,
            [$"Sandbox__Fcm__ServiceAccounts__{FcmClientEmail}"] = _fcmKey.ExportSubjectPublicKeyInfoPem(),
            ["Sandbox__Apns__Keys__NTFYDEVKY1__PublicKeyPem"] = _apnsKey.ExportSubjectPublicKeyInfoPem(),
        };
        // The framework's own logs at their most talkative: what an operator chasing a problem
        // turns on must not print private values either. Npgsql at Debug prints every command; its
        // parameters (recipients, bodies) only if parameter logging were on, which it must never be.
        foreach (var environment in new[] { channels, sandbox, ingress })
        {
            environment["Logging__LogLevel__Npgsql"] = "Debug";
            environment["Logging__LogLevel__Grpc"] = "Debug";
            environment["Logging__LogLevel__System.Net.Http"] = "Debug";
            environment["Logging__LogLevel__Polly"] = "Debug";
            environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Information";
        }
        return options with
        {
            IngressEnvironment = ingress,
            ChannelEnvironment = channels,
            SandboxEnvironment = sandbox,
            OtlpEndpoint = Collector.Endpoint,
            OtlpProtocol = OtlpReceiver.Protocol,
        };
    }

    /// <summary>
    /// Every secret-looking setting any process was started with (the AppHost's own development
    /// secrets too, whatever they are), by process and name: so a secret added to the topology
    /// later is searched for without this test knowing it. Keys and JSON documents are covered
    /// piecewise by <see cref="Secrets"/>.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> SecretsInEnvironment()
    {
        foreach (var resource in App.Resources.OfType<Notify.Hosting.Model.ProjectResource>())
        {
            foreach (var process in App.GetProcesses(resource.Name))
            {
                foreach (var (key, value) in process.Environment)
                {
                    if (value is { Length: >= 8 } && SecretSetting().IsMatch(key) && !value.Contains("-----BEGIN", StringComparison.Ordinal) && !value.StartsWith('{'))
                    {
                        yield return new($"{resource.Name} setting {key}", value);
                    }
                }
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("(?i)(secret|token|password|apikey|signingkey|privatekey|accesskey|hmac)(s?__[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex SecretSetting();

    /// <summary>A fresh value for a marker, e.g. a body: <c>{label}-{run}-{random}</c>.</summary>
    public string Marker(string label) => $"{label}-{Run}-{Random(8)}";

    public Uri Sandbox(string path) => new(App.GetEndpoint("sandbox", "http"), path);

    public Uri Public(string resource, string path) => new(App.GetEndpoint(resource, "http"), path);

    public async Task SetFaultsAsync(object faults)
    {
        var response = await Http.PostAsJsonAsync(Sandbox("/sandbox/faults"), faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls a notification until every delivery is final (receipt channels: past SENT); fails with their states after 60 s.</summary>
    public async Task<IReadOnlyList<Notify.Grpc.V1.Delivery>> WaitForFinalAsync(string notificationId, global::Grpc.Core.Metadata key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var deliveries = (await Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = notificationId }, key)).Deliveries;
            if (deliveries.All(IsFinal))
            {
                return deliveries;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Deliveries not final after 60 s: " + string.Join("; ", deliveries.Select(d => $"{d.Channel} {d.Status} {d.LastErrorCode}")));
            }
            await Task.Delay(200);
        }
    }

    public async Task<JsonElement[]> SandboxMessagesAsync(string deliveryId)
    {
        var body = await Http.GetFromJsonAsync<JsonElement>(Sandbox("/sandbox/messages?deliveryId=" + deliveryId));
        return [.. body.GetProperty("messages").EnumerateArray()];
    }

    private static bool IsFinal(Notify.Grpc.V1.Delivery delivery) => delivery.Status switch
    {
        DeliveryStatus.Delivered or DeliveryStatus.Dead or DeliveryStatus.Failed or DeliveryStatus.Skipped
            or DeliveryStatus.Cancelled or DeliveryStatus.Expired => true,
        // Webhook and push have no receipts: SENT is as far as they go before DELIVERED is recorded.
        DeliveryStatus.Sent => delivery.Channel is Channel.Webhook or Channel.Push,
        _ => false,
    };

    private string Secret(string name, string value)
    {
        _secrets[name] = value;
        return value;
    }

    /// <summary>
    /// A key as pieces of its base64 body: the first 40 characters of each 64-character line, so a
    /// print of any part of the key is found however its line breaks were rendered (raw, <c>\n</c>, JSON).
    /// </summary>
    private void PemSecret(string name, string pemOrBase64)
    {
        var body = string.Concat(pemOrBase64.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        for (int i = 0, part = 1; i + 24 <= body.Length; i += 64, part++)
        {
            _secrets[$"{name} (line {part})"] = body.Substring(i, Math.Min(40, body.Length - i));
        }
    }

    private static string Random(int length) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(length)).Replace('+', 'x').Replace('/', 'y')[..length];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Collector is not null)
        {
            await Collector.DisposeAsync();
        }
        _fcmKey.Dispose();
        _apnsKey.Dispose();
        _sendGridReceiptKey.Dispose();
    }
}

[CollectionDefinition(PrivacyTopologyFixture.Collection)]
public sealed class PrivacyTopologyCollection : ICollectionFixture<PrivacyTopologyFixture>;
