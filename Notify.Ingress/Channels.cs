using Notify.Grpc.V1;
using Notify.Outbox;

namespace Notify.Ingress;

/// <summary>Maps the API's <see cref="Channel"/> enum to the names stored in the outbox.</summary>
public static class Channels
{
    /// <summary>The stored name, or null for <c>CHANNEL_UNSPECIFIED</c> and values this build does not know.</summary>
    public static string? ToDb(Channel channel) => channel switch
    {
        Channel.Email => ChannelNames.Email,
        Channel.Sms => ChannelNames.Sms,
        Channel.Whatsapp => ChannelNames.WhatsApp,
        Channel.Webhook => ChannelNames.Webhook,
        Channel.Push => ChannelNames.Push,
        _ => null,
    };

    public static Channel FromDb(string name) => name switch
    {
        ChannelNames.Email => Channel.Email,
        ChannelNames.Sms => Channel.Sms,
        ChannelNames.WhatsApp => Channel.Whatsapp,
        ChannelNames.Webhook => Channel.Webhook,
        ChannelNames.Push => Channel.Push,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a stored channel name."),
    };
}
