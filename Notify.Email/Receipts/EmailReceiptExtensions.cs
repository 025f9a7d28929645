using Microsoft.Extensions.Options;
using Notify.Outbox;
using Notify.Receipts;

namespace Notify.Email.Receipts;

public static class EmailReceiptExtensions
{
    /// <summary>The receipt pipeline with SendGrid's Signed Event Webhook (<c>Notify:Email:Receipts</c>).</summary>
    public static IHostApplicationBuilder AddEmailReceipts(this IHostApplicationBuilder builder)
    {
        builder.AddReceipts<SendGridEventWebhook>(ChannelNames.Email);
        builder.Services.AddOptions<SendGridEventWebhookOptions>()
            .BindConfiguration(SendGridEventWebhookOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Serves SendGrid's Signed Event Webhook at <c>POST /webhooks/sendgrid</c> when verification
    /// keys are configured; without them there is no endpoint, so unsigned events are never taken.
    /// </summary>
    public static void MapEmailReceipts(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<SendGridEventWebhookOptions>>().Value.VerificationKeys.Count > 0)
        {
            app.MapReceiptEndpoint<SendGridEventWebhook>("/webhooks/sendgrid");
        }
    }
}
