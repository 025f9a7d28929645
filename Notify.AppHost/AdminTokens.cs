using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Notify.AppHost;

/// <summary>
/// Mints admin JWTs as the ingress checks them (HS256, issuer <c>notify</c>, audience
/// <c>notify-admin</c>, a <c>sub</c>, a <c>role</c>, an expiry): the AppHost's development token,
/// and tests' tokens of any role. Production tokens come from whatever issues them there; this is
/// the format they must have.
/// </summary>
public static class AdminTokens
{
    public const string Issuer = "notify";
    public const string Audience = "notify-admin";

    /// <summary>
    /// A token for <paramref name="subject"/> with <paramref name="role"/>, valid from now for <paramref name="lifetime"/>
    /// (negative: already expired); with <paramref name="tenant"/> (an id or name), limited to that tenant.
    /// </summary>
    public static string Mint(byte[] signingKey, string subject, string role, TimeSpan lifetime, string issuer = Issuer,
        string audience = Audience, DateTimeOffset? now = null, string? tenant = null)
    {
        var issuedAt = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var expires = issuedAt + (long)lifetime.TotalSeconds;
        var header = new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT" };
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["sub"] = subject,
            ["role"] = role,
            // An expired token was also issued before it expired: iat and nbf never after exp.
            ["iat"] = Math.Min(issuedAt, expires - 1),
            ["nbf"] = Math.Min(issuedAt, expires - 1),
            ["exp"] = expires,
        };
        if (tenant is not null)
        {
            payload["tenant"] = tenant;
        }
        var unsigned = Encode(header) + "." + Encode(payload);
        var signature = HMACSHA256.HashData(signingKey, Encoding.ASCII.GetBytes(unsigned));
        return unsigned + "." + Base64Url.EncodeToString(signature);
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
