using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Notify.Push.Tokens;

/// <summary>
/// Writes a JWS in compact form (<c>header.claims.signature</c>, each base64url without
/// padding). Both push providers need one — FCM's OAuth assertion (RS256) and APNs' provider
/// token (ES256) — and the framework has the algorithms but no JWT writer.
/// </summary>
public static class CompactJwt
{
    /// <param name="sign">Signs the ASCII bytes of <c>header.claims</c>; returns the raw signature.</param>
    public static string Create(IReadOnlyDictionary<string, object> header, IReadOnlyDictionary<string, object> claims, Func<byte[], byte[]> sign)
    {
        var signingInput = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header))
            + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = sign(Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
