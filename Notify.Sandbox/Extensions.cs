using Notify.Sandbox.Control;
using Notify.Sandbox.Faults;
using Notify.Sandbox.Providers;
using Notify.Sandbox.Providers.Apns;
using Notify.Sandbox.Providers.Fcm;
using Notify.Sandbox.Providers.SendGrid;
using Notify.Sandbox.Providers.Smtp;
using Notify.Sandbox.Providers.Twilio;
using Notify.Sandbox.Providers.Webhooks;
using Notify.Sandbox.Providers.WhatsApp;
using Notify.Sandbox.Receipts;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox;

public static class Extensions
{
    public static WebApplicationBuilder AddSandbox(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SandboxOptions>()
            .BindConfiguration(SandboxOptions.Section)
            .Validate(
                options => options.Faults.All(f => ProviderNames.IsKnown(f.Key.ToLowerInvariant()) && !f.Value.Validate().Any()),
                "Sandbox:Faults names an unknown provider or holds an invalid setting.")
            .Validate(
                options => options.Smtp.Port is null or (>= 0 and <= 65535)
                    && System.Net.IPAddress.TryParse(options.Smtp.Address, out _)
                    && options.Smtp.MaxMessageBytes > 0 && options.Smtp.IdleTimeoutSeconds > 0
                    && !string.IsNullOrWhiteSpace(options.Smtp.Hostname),
                "Sandbox:Smtp needs a port between 0 and 65535, an IP address to bind, a host name, and positive size and idle limits.")
            .Validate(
                options => options.Webhook.SigningSecrets.All(s => StandardWebhookVerifier.DecodeSecret(s) is not null),
                "Sandbox:Webhook:SigningSecrets must each be whsec_ followed by base64.")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<MessageLog>();
        builder.Services.AddSingleton<FaultInjector>();
        builder.Services.AddSingleton<IReceiptScheduler, NoReceipts>();
        builder.Services.AddSingleton<ProviderGate>();
        builder.Services.AddSingleton<HangFilter>();
        builder.Services.AddSingleton<SendGridErrors>();
        builder.Services.AddSingleton<TwilioErrors>();
        builder.Services.AddSingleton<WhatsAppErrors>();
        builder.Services.AddSingleton<FcmErrors>();
        builder.Services.AddSingleton<FcmTokens>();
        builder.Services.AddSingleton<FcmAssertions>();
        builder.Services.AddSingleton<ApnsErrors>();
        builder.Services.AddSingleton<ApnsProviderTokens>();
        builder.Services.AddSingleton<WebhookErrors>();
        builder.Services.AddSingleton<WebhookKeys>();
        builder.Services.AddSingleton<WebhookInbox>();
        builder.Services.AddSingleton<SmtpListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SmtpListener>());
        return builder;
    }

    public static WebApplication MapProviderApis(this WebApplication app)
    {
        // Outside the group: the control API and health endpoints never hang.
        var providers = app.MapGroup("").AddEndpointFilter<HangFilter>();
        providers.MapSendGrid();
        providers.MapTwilio();
        providers.MapWhatsApp();
        providers.MapFcm();
        providers.MapApns();
        providers.MapWebhookReceiver();
        return app;
    }
}
