using System.Text.Json;

namespace Notify.Receipts;

/// <summary>Reading the JSON receipt bodies (SendGrid, WhatsApp) the same forgiving way: unknown fields are ignored, wrong types read as absent.</summary>
public static class ReceiptJson
{
    /// <summary>The parsed body; <see cref="MalformedReceiptException"/> when it is not JSON at all.</summary>
    public static JsonDocument Parse(ReceiptRequest request)
    {
        try
        {
            return JsonDocument.Parse(request.Body);
        }
        catch (JsonException)
        {
            throw new MalformedReceiptException("the body is not JSON.");
        }
    }

    /// <summary>A string property, or null when it is missing or not a string.</summary>
    public static string? String(JsonElement item, string name)
        => item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>A property of an object; false when it is missing or <paramref name="item"/> is not an object at all.</summary>
    public static bool Property(JsonElement item, string name, out JsonElement value)
    {
        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>An array property, or false when it is missing or not an array.</summary>
    public static bool Array(JsonElement item, string name, out JsonElement value)
        => Property(item, name, out value) && value.ValueKind == JsonValueKind.Array;

    /// <summary>A 32-bit integer property, or null when it is missing, not a number or out of range.</summary>
    public static int? Int32(JsonElement item, string name)
        => Property(item, name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    /// <summary>A Unix time in seconds as a timestamp, clamped to what <see cref="DateTimeOffset"/> can hold.</summary>
    public static DateTimeOffset FromUnixSeconds(long seconds) => DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253_402_300_799));
}
