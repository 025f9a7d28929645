using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Notify.Webhook.Sending;

/// <summary>
/// The body of every webhook, following the Standard Webhooks payload convention:
/// <c>{"type":"invoice.paid","timestamp":"2026-11-23T12:00:00.123Z","data":{…}}</c>. <c>type</c>
/// is the notification's event type, <c>timestamp</c> when Notify accepted the notification
/// (the same on every retry, so the body of a retry is the body of the first attempt), and
/// <c>data</c> the caller's payload, <c>{}</c> when it gave none.
/// </summary>
public static class WebhookEnvelope
{
    public static byte[] Create(string eventType, Struct? payload, DateTimeOffset timestamp)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", eventType);
            json.WriteString("timestamp", timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WritePropertyName("data");
            if (payload is null)
            {
                json.WriteStartObject();
                json.WriteEndObject();
            }
            else
            {
                json.WriteRawValue(JsonFormatter.Default.Format(payload), skipInputValidation: false);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
