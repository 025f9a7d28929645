using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Notify.Outbox;
using Notify.Outbox.Receipts;
using Notify.Receipts;

namespace Notify.WhatsApp.Receipts;

public static class WhatsAppReceiptExtensions
{
    public const string Path = "/webhooks/whatsapp";

    /// <summary>The receipt pipeline with Meta's status webhooks (<c>Notify:WhatsApp:Receipts</c>).</summary>
    public static IHostApplicationBuilder AddWhatsAppReceipts(this IHostApplicationBuilder builder)
    {
        builder.AddReceipts<WhatsAppStatusWebhook>(ChannelNames.WhatsApp);
        builder.Services.AddOptions<WhatsAppWebhookOptions>()
            .BindConfiguration(WhatsAppWebhookOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Serves <c>GET</c> (Meta's subscription handshake: the raw <c>hub.challenge</c> back when
    /// the verify token matches, else 403) and <c>POST</c> (status webhooks) at
    /// <c>/webhooks/whatsapp</c>, when an app secret is configured.
    /// </summary>
    public static void MapWhatsAppReceipts(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<WhatsAppWebhookOptions>>().Value.AppSecrets.Count == 0)
        {
            return;
        }
        app.MapReceiptEndpoint<WhatsAppStatusWebhook>(Path);
        app.MapGet(Path, static async (
            [FromQuery(Name = "hub.mode")] string? mode,
            [FromQuery(Name = "hub.verify_token")] string? token,
            [FromQuery(Name = "hub.challenge")] string? challenge,
            WhatsAppStatusWebhook webhook, ReceiptEndpoint endpoint, CancellationToken cancellationToken) =>
        {
            if (webhook.IsSubscriptionHandshake(mode, token) && challenge is not null)
            {
                return Results.Text(challenge, "text/plain");
            }
            await endpoint.RefuseAsync(webhook, RefusalReasons.BadVerifyToken, cancellationToken);
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }).ExcludeFromDescription();
    }
}
