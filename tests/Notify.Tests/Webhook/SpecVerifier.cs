using System.Security.Cryptography;
using System.Text;

namespace Notify.Tests.Webhook;

/// <summary>
/// A Standard Webhooks v1 receiver written from the specification (providers.md §6.1), on
/// purpose sharing no code with Notify's signer or the sandbox: require the three headers,
/// reject a timestamp more than five minutes from now either way, compute
/// base64(HMAC-SHA256(base64decode(secret without "whsec_"), "{id}.{timestamp}.{body}")) and
/// accept if any space-separated "v1,…" entry equals it.
/// </summary>
internal static class SpecVerifier
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static bool Verify(string secret, IReadOnlyDictionary<string, string> headers, string body, DateTimeOffset now)
        => Verify(secret, headers.GetValueOrDefault("webhook-id"), headers.GetValueOrDefault("webhook-timestamp"),
            headers.GetValueOrDefault("webhook-signature"), Encoding.UTF8.GetBytes(body), now);

    public static bool Verify(string secret, string? id, string? timestamp, string? signature, byte[] body, DateTimeOffset now)
    {
        if (id is null || timestamp is null || signature is null || !long.TryParse(timestamp, out var seconds))
        {
            return false;
        }
        var sent = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (sent < now - Tolerance || sent > now + Tolerance)
        {
            return false;
        }
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes(id + "." + timestamp + ".").Concat(body).ToArray();
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, content));
        return signature.Split(' ').Any(entry =>
            entry.StartsWith("v1,", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entry[3..]), Encoding.ASCII.GetBytes(expected)));
    }

    /// <summary>A fresh random secret in the <c>whsec_</c> form.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
