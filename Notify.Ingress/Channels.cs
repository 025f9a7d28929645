using Notify.Grpc.V1;
using Notify.Outbox;

namespace Notify.Ingress;

/// <summary>Maps the API's enums to the names stored in the outbox.</summary>
internal static class Channels
{
    public static string? ToName(Channel channel) => channel switch
    {
        Channel.Email => ChannelNames.Email,
        Channel.Sms => ChannelNames.Sms,
        Channel.Whatsapp => ChannelNames.WhatsApp,
        Channel.Webhook => ChannelNames.Webhook,
        Channel.Push => ChannelNames.Push,
        _ => null,
    };

    public static Channel FromName(string name) => name switch
    {
        ChannelNames.Email => Channel.Email,
        ChannelNames.Sms => Channel.Sms,
        ChannelNames.WhatsApp => Channel.Whatsapp,
        ChannelNames.Webhook => Channel.Webhook,
        ChannelNames.Push => Channel.Push,
        _ => Channel.Unspecified,
    };

    public static DeliveryStatus ToStatus(string status) => status switch
    {
        DeliveryStatuses.Pending => DeliveryStatus.Pending,
        DeliveryStatuses.Sending => DeliveryStatus.Sending,
        DeliveryStatuses.Sent => DeliveryStatus.Sent,
        DeliveryStatuses.Delivered => DeliveryStatus.Delivered,
        DeliveryStatuses.Retrying => DeliveryStatus.Retrying,
        DeliveryStatuses.Dead => DeliveryStatus.Dead,
        DeliveryStatuses.Failed => DeliveryStatus.Failed,
        DeliveryStatuses.Skipped => DeliveryStatus.Skipped,
        DeliveryStatuses.Cancelled => DeliveryStatus.Cancelled,
        DeliveryStatuses.Expired => DeliveryStatus.Expired,
        _ => DeliveryStatus.Unspecified,
    };
}
