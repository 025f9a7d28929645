using Notify.Grpc.V1;

namespace Notify.Ingress.Validation;

/// <summary>A Send that passed validation: addresses normalised, one target per delivery to create.</summary>
internal sealed record ValidatedSend(
    SendRequest Request,
    IReadOnlyList<DeliveryTarget> Targets,
    short Priority,
    DateTime? SendAt,
    DateTime? ExpiresAt,
    string? Locale);

/// <summary>One delivery to create: a channel and an address on it.</summary>
internal sealed record DeliveryTarget(Channel Channel, string ChannelName, string Recipient, string? Platform);
