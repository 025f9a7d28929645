using Microsoft.Extensions.Logging.Abstractions;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;
using Notify.Tests.Sandbox;
using Notify.WhatsApp.CloudApi;
using Notify.WhatsApp.Tier;
using StackExchange.Redis;

namespace Notify.Tests.WhatsApp;

/// <summary>The WhatsApp client and provider wired to the in-process sandbox, as the WhatsApp process wires them.</summary>
internal static class WhatsAppSends
{
    public static WhatsAppCloudOptions Options(string? phoneNumberId = null, string token = SandboxFixture.WhatsAppToken) => new()
    {
        BaseUrl = new Uri("http://localhost"),
        ApiVersion = "v23.0",
        PhoneNumberId = phoneNumberId ?? Random.Shared.NextInt64(100_000_000_000_000, 999_999_999_999_999).ToString(),
        AccessToken = token,
    };

    public static WhatsAppCloudClient Client(SandboxFixture sandbox, WhatsAppCloudOptions options)
        => new(sandbox.CreateClient(), Microsoft.Extensions.Options.Options.Create(options));

    public static WhatsAppCloudProvider Provider(SandboxFixture sandbox, WhatsAppCloudOptions options, IConnectionMultiplexer redis, TierLimit tier)
        => new(Client(sandbox, options),
            new MessagingTierLedger(redis, options.PhoneNumberId, tier, replicas: 1, TimeProvider.System, NullLogger<MessagingTierLedger>.Instance),
            Microsoft.Extensions.Options.Options.Create(options));

    public static ClaimedDelivery Claimed(string recipient, int attemptCount = 0) => new(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "whatsapp", recipient, null, attemptCount, 4, 1,
        DateTime.UtcNow.AddMinutes(1), null, null, null, null, null, null, null);

    public static Content Text(string text) => new() { Whatsapp = new WhatsAppContent { Text = text } };

    public static Content Template(string name, string language, params string[] parameters)
        => new() { Whatsapp = new WhatsAppContent { TemplateName = name, TemplateLanguage = language, TemplateParameters = { parameters } } };
}
