using Microsoft.Extensions.Options;
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
                options => options.Faults.All(f => ProviderNames.IsKnown(f.Key.ToLowerInvariant()) && !f.Value.Validate(f.Key.ToLowerInvariant()).Any()),
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
        builder.AddReceipts();
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

    /// <summary>
    /// Delivery receipts: composed when a provider endpoint accepts a message, queued, and POSTed
    /// by a background sender through an HTTP client that resolves <c>http://email</c> and
    /// <c>http://whatsapp</c> by service discovery (<c>services__email__http__0</c>).
    /// </summary>
    private static void AddReceipts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<SandboxOptions>, ReceiptOptionsValidation>();
        builder.Services.AddSingleton<ReceiptLog>();
        builder.Services.AddSingleton<SendGridEventSigner>();
        builder.Services.AddSingleton<SendGridEvents>();
        builder.Services.AddSingleton<TwilioStatusCallbacks>();
        builder.Services.AddSingleton<WhatsAppStatuses>();
        builder.Services.AddSingleton<ReceiptQueue>();
        builder.Services.AddSingleton<IReceiptScheduler>(sp => sp.GetRequiredService<ReceiptQueue>());
        builder.Services.AddSingleton<ReceiptPoster>();
        builder.Services.AddHostedService<ReceiptSender>();
        builder.Services.AddHttpClient(ReceiptPoster.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            // The standard handler's breaker and timeouts (from the service defaults) would answer for the
            // receiver; the sender owns retries and the per-try timeout, as SendGrid, Twilio and Meta do.
            .ConfigureAdditionalHttpMessageHandlers(static (handlers, _) =>
            {
                for (var i = handlers.Count - 1; i >= 0; i--)
                {
                    if (handlers[i] is Microsoft.Extensions.Http.Resilience.ResilienceHandler)
                    {
                        handlers.RemoveAt(i);
                    }
                }
            });
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
