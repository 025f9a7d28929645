using System.Text.Json;
using System.Text.Json.Nodes;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;

namespace Notify.Push.Apns;

/// <summary>
/// One APNs request's payload and the headers that must agree with it: an alert when there is a
/// title or body (<c>apns-push-type: alert</c>), otherwise a silent background update carrying
/// only data (<c>background</c>, which Apple requires at priority 5).
/// </summary>
public sealed record ApnsNotification(byte[] Payload, string PushType, int Priority)
{
    public const string DeliveryIdKey = "delivery_id";
    public const string NotificationIdKey = "notification_id";

    public static ApnsNotification Create(ClaimedDelivery delivery, PushContent push, int alertPriority)
    {
        var aps = new JsonObject();
        var alert = new JsonObject();
        if (push.Title.Length > 0)
        {
            alert["title"] = push.Title;
        }
        if (push.Body.Length > 0)
        {
            alert["body"] = push.Body;
        }
        var isAlert = alert.Count > 0;
        if (isAlert)
        {
            aps["alert"] = alert;
        }
        else
        {
            aps["content-available"] = 1;
        }

        // Custom keys sit beside "aps", which belongs to Apple and is never the caller's.
        var payload = new JsonObject { ["aps"] = aps };
        foreach (var (key, value) in push.Data)
        {
            if (key != "aps")
            {
                payload[key] = value;
            }
        }
        payload[DeliveryIdKey] = delivery.Id.ToString();
        payload[NotificationIdKey] = delivery.NotificationId.ToString();
        return new ApnsNotification(JsonSerializer.SerializeToUtf8Bytes(payload), isAlert ? "alert" : "background", isAlert ? alertPriority : 5);
    }
}
