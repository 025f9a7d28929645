using Notify.Cli.Connection;
using Notify.Grpc.V1;

namespace Notify.Cli.Commands.Send;

/// <summary>
/// Polls GetNotification until every delivery is final or the wait is over, reporting each status
/// change once. SENT is not final on receipt channels (email, SMS, WhatsApp go on to DELIVERED or
/// FAILED), so the watch waits for the receipt; a delivery still SENT when time is up counts as sent.
/// </summary>
public sealed class DeliveryWatcher(NotifyService.NotifyServiceClient client, TimeProvider time)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public sealed record Change(DateTimeOffset At, Delivery Delivery, DeliveryStatus From);

    public async Task<Notification> WatchAsync(string notificationId, TimeSpan wait, Action<Change> onChange, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + wait;
        var seen = new Dictionary<string, DeliveryStatus>();
        while (true)
        {
            var notification = await client.GetNotificationAsync(
                new GetNotificationRequest { NotificationId = notificationId }, NotifyClients.Call(cancellationToken));
            foreach (var delivery in notification.Deliveries)
            {
                var before = seen.GetValueOrDefault(delivery.DeliveryId, DeliveryStatus.Unspecified);
                if (before != delivery.Status)
                {
                    seen[delivery.DeliveryId] = delivery.Status;
                    onChange(new Change(time.GetUtcNow(), delivery, before));
                }
            }
            if (notification.Deliveries.All(d => IsFinal(d.Status)) || time.GetUtcNow() >= deadline)
            {
                return notification;
            }
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>Nothing more will happen to it (SENT still waits for the provider's receipt).</summary>
    public static bool IsFinal(DeliveryStatus status) => status is DeliveryStatus.Delivered or DeliveryStatus.Failed
        or DeliveryStatus.Dead or DeliveryStatus.Skipped or DeliveryStatus.Cancelled or DeliveryStatus.Expired;

    /// <summary>What <c>send</c> counts as success (exit 0).</summary>
    public static bool Succeeded(DeliveryStatus status) => status is DeliveryStatus.Delivered or DeliveryStatus.Sent;
}
