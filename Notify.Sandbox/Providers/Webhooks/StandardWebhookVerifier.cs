using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Notify.Sandbox.Providers.Webhooks;

/// <summary>
/// A receiver's check of a Standard Webhooks v1 signature, as a customer's endpoint would do
/// it: all three headers present, the timestamp within the tolerance of now (either way), and
/// some <c>v1,</c> entry of <c>webhook-signature</c> equal (constant-time) to
/// <c>base64(HMAC-SHA256(key, "{id}.{timestamp}.{raw body}"))</c> for some configured key.
/// </summary>
public static class StandardWebhookVerifier
{
    /// <summary>Decodes a <c>whsec_&lt;base64&gt;</c> secret to its key bytes, or null when it is not one.</summary>
    public static byte[]? DecodeSecret(string secret)
    {
        const string prefix = "whsec_";
        if (!secret.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            var key = Convert.FromBase64String(secret[prefix.Length..]);
            return key.Length > 0 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Null when the message verifies; otherwise why not (no secret or signature in it).</summary>
    public static string? Verify(string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body,
        IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return "missing webhook-id, webhook-timestamp or webhook-signature";
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return "webhook-timestamp is not unix seconds";
        }
        var age = now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (age > tolerance)
        {
            return "webhook-timestamp is too old";
        }
        if (-age > tolerance)
        {
            return "webhook-timestamp is too far in the future";
        }

        var signed = new byte[Encoding.UTF8.GetByteCount(id) + timestamp.Length + 2 + body.Length];
        var at = Encoding.UTF8.GetBytes($"{id}.{timestamp}.", signed);
        body.CopyTo(signed.AsSpan(at));
        foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || entry[..comma] != "v1")
            {
                continue;
            }
            byte[] given;
            try
            {
                given = Convert.FromBase64String(entry[(comma + 1)..]);
            }
            catch (FormatException)
            {
                continue;
            }
            foreach (var key in keys)
            {
                if (CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, signed), given))
                {
                    return null;
                }
            }
        }
        return "no v1 signature matches";
    }
}
