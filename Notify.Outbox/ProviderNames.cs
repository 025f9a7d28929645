namespace Notify.Outbox;

/// <summary>
/// The provider names each channel's process registers (<c>IDeliveryProvider.Name</c>, stored in
/// <c>deliveries.provider</c> and <c>delivery_attempts.provider</c>). Channel controls check a
/// provider against this list, so a mistyped name is refused instead of pausing nothing.
/// A test keeps it in step with the providers the channel projects define.
/// </summary>
public static class ProviderNames
{
    private static readonly Dictionary<string, string[]> ByChannel = new(StringComparer.Ordinal)
    {
        [ChannelNames.Email] = ["sendgrid", "smtp"],
        [ChannelNames.Sms] = ["twilio"],
        [ChannelNames.WhatsApp] = ["whatsapp"],
        [ChannelNames.Webhook] = ["webhook"],
        [ChannelNames.Push] = ["fcm", "apns"],
    };

    /// <summary>The providers of <paramref name="channel"/>, in failover order; empty for an unknown channel.</summary>
    public static IReadOnlyList<string> For(string channel) => ByChannel.TryGetValue(channel, out var names) ? names : [];
}
