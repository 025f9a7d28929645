namespace Notify.Outbox;

/// <summary>The channel names stored in <c>deliveries.channel</c> (and its partitions).</summary>
public static class ChannelNames
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string WhatsApp = "whatsapp";
    public const string Webhook = "webhook";
    public const string Push = "push";

    public static readonly IReadOnlyList<string> All = [Email, Sms, WhatsApp, Webhook, Push];

    /// <summary>The LISTEN/NOTIFY channel that wakes a channel's workers.</summary>
    public static string WakeUpChannel(string channel) => "notify_" + channel;
}
