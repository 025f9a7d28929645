using System.Security.Cryptography;
using System.Text;

namespace Notify.Receipts;

/// <summary>Signature primitives shared by the receipt providers; every comparison takes constant time.</summary>
public static class SignatureCheck
{
    /// <summary>True when <paramref name="presented"/> equals <paramref name="expected"/>, compared as UTF-8 in constant time.</summary>
    public static bool EqualsConstantTime(string presented, ReadOnlySpan<byte> expected)
    {
        var presentedBytes = Encoding.UTF8.GetBytes(presented);
        return CryptographicOperations.FixedTimeEquals(presentedBytes, expected);
    }

    /// <summary>Lower-case hex of HMAC-SHA256 (Meta's <c>X-Hub-Signature-256</c> after <c>sha256=</c>).</summary>
    public static byte[] HmacSha256Hex(string secret, ReadOnlySpan<byte> data)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data, mac);
        return Encoding.ASCII.GetBytes(Convert.ToHexStringLower(mac));
    }

    /// <summary>Base64 of HMAC-SHA1 (Twilio's <c>X-Twilio-Signature</c>).</summary>
    public static byte[] HmacSha1Base64(string secret, string data)
    {
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(data));
        return Encoding.ASCII.GetBytes(Convert.ToBase64String(mac));
    }
}
