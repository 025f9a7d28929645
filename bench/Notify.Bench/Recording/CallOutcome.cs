using Notify.Grpc.V1;

namespace Notify.Bench.Recording;

/// <summary>What one successful call accepted, and the batch items it rejected (null when none).</summary>
internal readonly record struct CallOutcome(
    int NotificationsAccepted,
    int DeliveriesAccepted,
    int Replayed,
    IReadOnlyList<ItemError>? Rejections = null);
