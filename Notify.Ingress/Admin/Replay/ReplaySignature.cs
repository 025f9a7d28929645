using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Notify.Ingress.Admin.Replay;

/// <summary>What checking a replay request's <c>x-notify-signature</c> found.</summary>
public enum SignatureVerdict
{
    Valid,
    Missing,
    Malformed,
    Stale,
    Mismatch,

    /// <summary>A compressed gRPC message: the signature covers the message as serialized, so it cannot be checked.</summary>
    Compressed,

    /// <summary>The body is larger than any replay request can be.</summary>
    TooLarge,
}

/// <summary>
/// The replay signature of admin.proto: <c>x-notify-signature: t=&lt;unix seconds&gt;,v1=&lt;hex
/// HMAC-SHA256(secret, "&lt;t&gt;." + body)&gt;</c>. The timestamp is inside the MAC, so it cannot be
/// moved; the tolerance bounds how long a captured request stays replayable (the rate limit and
/// the replay key bound what a replay within that time can do).
/// </summary>
public static class ReplaySignature
{
    public const string Header = "x-notify-signature";

    /// <summary>Signs <paramref name="body"/> at <paramref name="timestamp"/>: the header's value.</summary>
    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
        => $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Mac(secret, timestamp, body))}";

    public static SignatureVerdict Verify(string? header, string secret, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return SignatureVerdict.Missing;
        }
        long? timestamp = null;
        var candidates = new List<byte[]>(1);
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return SignatureVerdict.Malformed;
            }
            var (name, value) = (part[..equals], part[(equals + 1)..]);
            if (name == "t")
            {
                if (timestamp is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                {
                    return SignatureVerdict.Malformed;
                }
                timestamp = t;
            }
            else if (name == "v1")
            {
                // Several v1 values are allowed (a client mid-way through a secret rotation may send two).
                if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
                {
                    return SignatureVerdict.Malformed;
                }
                candidates.Add(Convert.FromHexString(value));
            }
            // Other names are ignored, so a later scheme (v2) can be sent alongside v1.
        }
        if (timestamp is not { } seconds || candidates.Count == 0)
        {
            return SignatureVerdict.Malformed;
        }
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > (long)tolerance.TotalSeconds)
        {
            return SignatureVerdict.Stale;
        }
        var expected = Mac(secret, seconds, body);
        var match = false;
        foreach (var candidate in candidates)
        {
            // Constant time, and every candidate compared: the timing says nothing about the MAC.
            match |= CryptographicOperations.FixedTimeEquals(expected, candidate);
        }
        return match ? SignatureVerdict.Valid : SignatureVerdict.Mismatch;
    }

    private static byte[] Mac(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
