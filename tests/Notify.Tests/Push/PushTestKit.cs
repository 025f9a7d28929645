using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;
using Notify.Push.Apns;
using Notify.Push.Fcm;
using Notify.Tests.Sandbox;

namespace Notify.Tests.Push;

/// <summary>
/// Builds the push providers as the push process does, but reaching the in-process sandbox,
/// with the sandbox fixture's test service account and APNs key, and a clock of their own.
/// </summary>
public sealed class PushTestKit(SandboxFixture sandbox, FakeTimeProvider clientClock)
{
    public const string Project = "notify-test";

    public SandboxHttpClients Http { get; } = new(sandbox);

    public FcmOptions FcmOptions(RSA? key = null) => new()
    {
        BaseUrl = new Uri("http://localhost"),
        ServiceAccountJson = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = Project,
            ["private_key_id"] = "test-key-1",
            ["private_key"] = (key ?? sandbox.FcmKey).ExportPkcs8PrivateKeyPem(),
            ["client_email"] = SandboxFixture.FcmServiceAccount,
            ["token_uri"] = "http://localhost/token",
        }),
    };

    public ApnsOptions ApnsOptions(ECDsa? key = null, string keyId = SandboxFixture.ApnsKeyId) => new()
    {
        BaseUrl = new Uri("http://localhost"),
        TeamId = SandboxFixture.ApnsTeamId,
        KeyId = keyId,
        Topic = SandboxFixture.ApnsTopic,
        PrivateKeyPem = (key ?? sandbox.ApnsKey).ExportPkcs8PrivateKeyPem(),
    };

    public FcmPushProvider Fcm(FcmOptions? options = null)
    {
        var wrapped = Options.Create(options ?? FcmOptions());
        var credentials = new FcmCredentials(wrapped);
        return new FcmPushProvider(
            new FcmMessagesClient(Http, wrapped, clientClock),
            new FcmAccessTokenSource(Http, credentials, clientClock, NullLogger<FcmAccessTokenSource>.Instance),
            credentials,
            NullLogger<FcmPushProvider>.Instance);
    }

    public ApnsPushProvider Apns(ApnsOptions? options = null)
    {
        var wrapped = Options.Create(options ?? ApnsOptions());
        return new ApnsPushProvider(
            new ApnsClient(Http, wrapped, clientClock),
            new ApnsProviderToken(wrapped, clientClock, NullLogger<ApnsProviderToken>.Instance),
            wrapped,
            NullLogger<ApnsPushProvider>.Instance);
    }

    public static ClaimedDelivery Delivery(string platform, string token, DateTime? expiresAt = null) => new(
        Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.NewGuid(), "push", token, platform,
        AttemptCount: 0, MaxAttempts: 4, LeaseToken: 1, LockExpiresAt: DateTime.UtcNow.AddMinutes(1), expiresAt,
        TemplateVersion: null, TemplateId: null, Locale: null, Params: null, Content: null, Traceparent: null);

    public static Content Alert(string title = "Order shipped", string body = "A123 is on its way") =>
        new() { Push = new PushContent { Title = title, Body = body, Data = { ["order_id"] = "A123" } } };

    public static string NewFcmToken() => "fcm-" + Guid.NewGuid().ToString("N") + ":APA91b";

    public static string NewApnsToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}

/// <summary>Hands the code under test clients that reach the in-process sandbox, counting token requests.</summary>
public sealed class SandboxHttpClients(SandboxFixture sandbox) : IHttpClientFactory
{
    private readonly ConcurrentQueue<string> _paths = new();

    public int TokenRequests => _paths.Count(p => p == "/token");

    public HttpClient CreateClient(string name) => new(new Recorder(sandbox.CreateHandler(), _paths), disposeHandler: true);

    private sealed class Recorder(HttpMessageHandler inner, ConcurrentQueue<string> paths) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
