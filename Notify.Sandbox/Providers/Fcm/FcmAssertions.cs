using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Providers.Fcm;

/// <summary>
/// Checks a JWT-bearer assertion as Google's token endpoint does, against the service accounts
/// under <c>Sandbox:Fcm:ServiceAccounts</c>: RS256 signed by the issuer's key, an FCM scope, the
/// token endpoint as audience, and no more than an hour between <c>iat</c> and <c>exp</c>.
/// </summary>
public sealed class FcmAssertions(IOptions<SandboxOptions> options, TimeProvider time)
{
    private static readonly string[] Scopes =
    [
        "https://www.googleapis.com/auth/firebase.messaging",
        "https://www.googleapis.com/auth/cloud-platform",
    ];

    // Google tolerates small clock differences between a client and its servers.
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    /// <summary>Null when the assertion is accepted; else the OAuth error and its description.</summary>
    public (string Error, string Description)? Check(string assertion)
    {
        var token = SignedToken.Parse(assertion);
        if (token?.HeaderText("alg") is null)
        {
            return ("invalid_grant", "Invalid JWT: the assertion is not a well-formed JWT.");
        }
        var accounts = options.Value.Fcm.ServiceAccounts;
        if (accounts.Count == 0)
        {
            return null;
        }
        if (token.ClaimText("iss") is not { } issuer || !accounts.TryGetValue(issuer, out var publicKeyPem))
        {
            return ("invalid_grant", "Invalid grant: account not found");
        }
        if (token.HeaderText("alg") != "RS256" || !Verifies(publicKeyPem, token))
        {
            return ("invalid_grant", "Invalid JWT Signature.");
        }
        if (!Uri.TryCreate(token.ClaimText("aud"), UriKind.Absolute, out var audience) || audience.AbsolutePath != "/token")
        {
            return ("invalid_grant", "Invalid JWT: the audience must be the token endpoint.");
        }
        if (token.ClaimText("scope")?.Split(' ').Intersect(Scopes).Any() != true)
        {
            return ("invalid_scope", "Invalid OAuth scope or ID token audience provided.");
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (token.ClaimSeconds("iat") is not { } iat || token.ClaimSeconds("exp") is not { } exp
            || exp - iat > 3600 || exp <= iat || iat > now + (long)Skew.TotalSeconds || exp < now - (long)Skew.TotalSeconds)
        {
            return ("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
        }
        return null;
    }

    private static bool Verifies(string publicKeyPem, SignedToken token)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(publicKeyPem);
            return rsa.VerifyData(token.SigningInput, token.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
