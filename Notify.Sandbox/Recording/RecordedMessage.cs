namespace Notify.Sandbox.Recording;

/// <summary>
/// One message a provider endpoint accepted. <see cref="Arrival"/> is 1 for the first time its
/// delivery id arrived at that provider, 2 for the first duplicate, and so on.
/// </summary>
public sealed record RecordedMessage(
    string Provider,
    string Recipient,
    string? DeliveryId,
    string ProviderMessageId,
    DateTimeOffset ReceivedAt,
    int Arrival)
{
    /// <summary>The request's W3C <c>traceparent</c> (an SMTP message's <c>traceparent</c> header), when it carried one.</summary>
    public string? Traceparent { get; init; }
}

/// <summary>A recorded message as the control API shows it: with how often its delivery id arrived in all.</summary>
public sealed record RecordedMessageView(
    string Provider,
    string Recipient,
    string? DeliveryId,
    string ProviderMessageId,
    DateTimeOffset ReceivedAt,
    int Arrival,
    int Arrivals)
{
    public string? Traceparent { get; init; }
}

/// <summary>
/// Counters for one provider. <see cref="FirstArrivalsThrottled"/> counts the first arrivals
/// answered 429 by <c>throttleFirstArrivalPercent</c> (they are in <see cref="Rejected"/> too).
/// </summary>
public sealed record ProviderStats(long Accepted, long Rejected, long Duplicates, long FirstArrivalsThrottled);

/// <summary>
/// One delivery id at one provider: how many times it was accepted, and whether its first
/// arrival was throttled on purpose. More than one accepted arrival is a duplicate the
/// recipient would see.
/// </summary>
public sealed record DeliveryArrivals(string Provider, string DeliveryId, int Arrivals, bool ThrottledFirst);
