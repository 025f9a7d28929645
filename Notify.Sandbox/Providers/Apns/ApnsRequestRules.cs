using System.Text;
using System.Text.Json;

namespace Notify.Sandbox.Providers.Apns;

/// <summary>
/// What APNs checks in a request's headers and payload, with Apple's reasons: the device token,
/// <c>apns-topic</c>, <c>apns-push-type</c>, <c>apns-priority</c> (5 for background pushes),
/// <c>apns-expiration</c>, <c>apns-id</c>, <c>apns-collapse-id</c>, duplicate headers, and a JSON
/// payload with an <c>aps</c> dictionary within the size limit.
/// </summary>
public static class ApnsRequestRules
{
    private static readonly string[] Headers = ["authorization", "apns-topic", "apns-push-type", "apns-priority", "apns-expiration", "apns-id", "apns-collapse-id"];

    private static readonly HashSet<string> PushTypes = new(StringComparer.Ordinal)
    {
        "alert", "background", "voip", "complication", "fileprovider", "mdm", "location", "liveactivity", "pushtotalk", "widgets", "controls",
    };

    /// <summary>The status and reason of the first problem, or null.</summary>
    public static (int Status, string Reason)? CheckHeaders(HttpRequest request, string deviceToken, ApnsKeyOptions key)
    {
        if (Headers.Any(h => request.Headers[h].Count > 1))
        {
            return (400, "DuplicateHeaders");
        }
        // Device tokens are hex (32 bytes today; Apple warns they may grow).
        if (deviceToken.Length is < 64 or > 200 || deviceToken.Length % 2 != 0 || !deviceToken.All(char.IsAsciiHexDigit))
        {
            return (400, "BadDeviceToken");
        }
        var topic = request.Headers["apns-topic"].ToString();
        if (topic.Length == 0)
        {
            return (400, "MissingTopic");
        }
        if (key.Topics.Count > 0 && !key.Topics.Contains(topic, StringComparer.Ordinal))
        {
            return (400, "TopicDisallowed");
        }
        var pushType = request.Headers["apns-push-type"].ToString();
        if (pushType.Length > 0 && !PushTypes.Contains(pushType))
        {
            return (400, "InvalidPushType");
        }
        var priority = request.Headers["apns-priority"].ToString();
        if (priority.Length > 0 && priority is not ("1" or "5" or "10"))
        {
            return (400, "BadPriority");
        }
        if (pushType == "background" && priority == "10")
        {
            return (400, "BadPriority");
        }
        var expiration = request.Headers["apns-expiration"].ToString();
        if (expiration.Length > 0 && !long.TryParse(expiration, System.Globalization.NumberStyles.None, null, out _))
        {
            return (400, "BadExpirationDate");
        }
        var apnsId = request.Headers["apns-id"].ToString();
        if (apnsId.Length > 0 && !Guid.TryParseExact(apnsId, "D", out _))
        {
            return (400, "BadMessageId");
        }
        if (Encoding.UTF8.GetByteCount(request.Headers["apns-collapse-id"].ToString()) > 64)
        {
            return (400, "BadCollapseId");
        }
        return null;
    }

    /// <summary>
    /// The payload's problem, or null. Apple names no reason for JSON that is not a notification;
    /// the sandbox answers that as <c>PayloadEmpty</c>, its closest reason.
    /// </summary>
    public static (int Status, string Reason)? CheckPayload(byte[] payload, int maxBytes)
    {
        if (payload.Length == 0)
        {
            return (400, "PayloadEmpty");
        }
        if (payload.Length > maxBytes)
        {
            return (413, "PayloadTooLarge");
        }
        try
        {
            using var json = JsonDocument.Parse(payload);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("aps", out var aps) && aps.ValueKind == JsonValueKind.Object
                ? null
                : (400, "PayloadEmpty");
        }
        catch (JsonException)
        {
            return (400, "PayloadEmpty");
        }
    }
}
