using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Notify.Sandbox.Providers;

/// <summary>
/// A compact JWS taken apart (<c>header.claims.signature</c>) so a provider endpoint can check it
/// the way the real provider does: FCM's OAuth assertions (RS256) and APNs provider tokens (ES256).
/// </summary>
public sealed record SignedToken(JsonElement Header, JsonElement Claims, byte[] SigningInput, byte[] Signature)
{
    /// <summary>The parts, or null when the text is not a JWS with JSON objects for header and claims.</summary>
    public static SignedToken? Parse(string? text)
    {
        var parts = text?.Split('.');
        if (parts is not { Length: 3 } || parts.Any(p => p.Length == 0))
        {
            return null;
        }
        try
        {
            using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
            using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            if (header.RootElement.ValueKind != JsonValueKind.Object || claims.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            return new SignedToken(header.RootElement.Clone(), claims.RootElement.Clone(),
                Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    public string? HeaderText(string name) => Text(Header, name);

    public string? ClaimText(string name) => Text(Claims, name);

    public long? ClaimSeconds(string name) =>
        Claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) ? seconds : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
