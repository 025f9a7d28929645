using System.ComponentModel.DataAnnotations;
using Notify.Delivery.Retries;
using Notify.Outbox;

namespace Notify.Ingress.Options;

public sealed class IngressOptions
{
    public const string SectionName = "Notify:Ingress";

    /// <summary>
    /// Hosts that webhook URLs may address over plain http and that may be internal
    /// addresses such as 127.0.0.1 (the provider sandbox in development). Empty in
    /// production: only https to public addresses is accepted there. Keep it in step with
    /// the webhook process's <c>Notify:Webhook:AllowedHosts</c>.
    /// </summary>
    public List<string> AllowedHttpWebhookHosts { get; set; } = [];

    /// <summary>
    /// Provider calls allowed per delivery, by channel (first attempt plus retries); the
    /// defaults follow the channels' retry schedules.
    /// </summary>
    public Dictionary<string, int> MaxAttempts { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [ChannelNames.Email] = RetrySchedule.Email.MaxAttempts,
        [ChannelNames.Sms] = RetrySchedule.Sms.MaxAttempts,
        [ChannelNames.WhatsApp] = RetrySchedule.WhatsApp.MaxAttempts,
        [ChannelNames.Webhook] = RetrySchedule.Webhook.MaxAttempts,
        [ChannelNames.Push] = RetrySchedule.Push.MaxAttempts,
    };

    /// <summary>How long a verified API key is trusted before it is looked up again (revocation delay).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A tenant and key the ingress creates at start (the AppHost's development tenant).</summary>
public sealed class BootstrapOptions
{
    public const string SectionName = "Notify:Bootstrap";

    public string? TenantName { get; set; }

    public string? ApiKey { get; set; }
}
