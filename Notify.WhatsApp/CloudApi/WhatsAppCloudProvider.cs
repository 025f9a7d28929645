using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;
using Notify.WhatsApp.Tier;

namespace Notify.WhatsApp.CloudApi;

/// <summary>
/// Sends WhatsApp messages through Meta's Cloud API: text as a text message, a template name
/// as a template message. Template sends open business-initiated conversations, so they pass
/// the messaging tier first; a spent tier defers the delivery without a call or an attempt.
/// </summary>
public sealed class WhatsAppCloudProvider(WhatsAppCloudClient client, MessagingTierLedger tier, IOptions<WhatsAppCloudOptions> options) : IDeliveryProvider
{
    private readonly string _rateLimitKey = "whatsapp:" + options.Value.PhoneNumberId;

    public string Name => "whatsapp";

    /// <summary>Meta's throughput limit (80 messages/s by default) is per business phone number.</summary>
    public string RateLimitKey(ClaimedDelivery delivery) => _rateLimitKey;

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        if (ToMessage(delivery.Recipient, content.Whatsapp) is not { } message)
        {
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "NO_CONTENT", ErrorMessage: "The notification has no WhatsApp text or template.");
        }

        // Free-form text is only allowed inside a customer-service window the user opened,
        // which the tier does not count; templates are what start business-initiated ones.
        var admission = TierAdmission.Unmetered;
        if (message is TemplateMessage)
        {
            admission = await tier.AdmitAsync(delivery.Recipient);
            if (!admission.Admitted)
            {
                return ProviderResult.Defer(admission.ResetIn, "TIER_LIMIT",
                    $"The messaging tier ({tier.Limit} unique recipients in 24 h) is spent; a place frees up in {admission.ResetIn:hh\\:mm\\:ss}.");
            }
        }

        var answer = await client.SendAsync(message, delivery.Id.ToString(), cancellationToken);
        var result = WhatsAppAnswers.Classify(answer, delivery.AttemptNumber);
        if (result.Outcome != ProviderOutcome.Sent && answer.Error is not null)
        {
            // Meta answered with an error: nothing was sent, no conversation was opened.
            await tier.ReleaseAsync(admission);
        }
        return result;
    }

    /// <summary>The message for this delivery's content, or null when there is nothing to send.</summary>
    public static WhatsAppMessage? ToMessage(string recipient, WhatsAppContent? content) => content switch
    {
        { TemplateName.Length: > 0 } template => new TemplateMessage(recipient, template.TemplateName, template.TemplateLanguage, [.. template.TemplateParameters]),
        { Text.Length: > 0 } text => new TextMessage(recipient, text.Text),
        _ => null,
    };
}
