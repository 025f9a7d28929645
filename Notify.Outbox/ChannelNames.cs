namespace Notify.Outbox;

/// <summary>
/// The channel names stored in the outbox (<c>templates.channel</c>, <c>deliveries.channel</c>).
/// Plain strings so every process can use them without the gRPC contract; the ingress maps
/// the API's enum to these (see <c>Notify.Ingress.Channels</c>).
/// </summary>
public static class ChannelNames
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string WhatsApp = "whatsapp";
    public const string Webhook = "webhook";
    public const string Push = "push";

    public static readonly string[] All = [Email, Sms, WhatsApp, Webhook, Push];
}
