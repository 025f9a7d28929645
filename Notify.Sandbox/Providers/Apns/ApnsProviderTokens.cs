using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Providers.Apns;

/// <summary>
/// Checks APNs provider tokens against the keys under <c>Sandbox:Apns:Keys</c>: ES256 signed by
/// the key its <c>kid</c> names, <c>iss</c> = that key's team, <c>iat</c> no older than an hour
/// (else <c>ExpiredProviderToken</c>). Like APNs it also refuses a connection that switches to
/// a newer token less than 20 minutes after the one it was using
/// (<c>TooManyProviderTokenUpdates</c>): a client must share and reuse its token.
/// </summary>
public sealed class ApnsProviderTokens(IOptions<SandboxOptions> options, TimeProvider time)
{
    public static readonly TimeSpan MaximumAge = TimeSpan.FromHours(1);
    public static readonly TimeSpan MinimumUpdateInterval = TimeSpan.FromMinutes(20);

    // The newest iat each connection presented, by Kestrel's connection id.
    private readonly ConcurrentDictionary<string, (long Iat, DateTimeOffset Seen)> _connections = new(StringComparer.Ordinal);

    /// <summary>The status and reason when the token is refused; null when it is good, with its key.</summary>
    public (int Status, string Reason)? Check(HttpRequest request, out ApnsKeyOptions? key)
    {
        key = null;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (403, "MissingProviderToken");
        }
        var token = SignedToken.Parse(header[7..].Trim());
        if (token is null || token.HeaderText("alg") != "ES256"
            || token.HeaderText("kid") is not { } kid || !options.Value.Apns.Keys.TryGetValue(kid, out key)
            || token.ClaimText("iss") != key.TeamId || !Verifies(key.PublicKeyPem, token))
        {
            key = null;
            return (403, "InvalidProviderToken");
        }
        var now = time.GetUtcNow();
        if (token.ClaimSeconds("iat") is not { } iat || DateTimeOffset.FromUnixTimeSeconds(iat) > now + TimeSpan.FromMinutes(5))
        {
            return (403, "InvalidProviderToken");
        }
        if (now - DateTimeOffset.FromUnixTimeSeconds(iat) > MaximumAge)
        {
            return (403, "ExpiredProviderToken");
        }
        return TooManyUpdates(request.HttpContext.Connection.Id, iat, now) ? (429, "TooManyProviderTokenUpdates") : null;
    }

    private bool TooManyUpdates(string? connectionId, long iat, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(connectionId))
        {
            return false;
        }
        var refused = false;
        _connections.AddOrUpdate(connectionId, (iat, now), (_, previous) =>
        {
            refused = iat > previous.Iat && iat - previous.Iat < (long)MinimumUpdateInterval.TotalSeconds;
            return refused || iat <= previous.Iat ? previous with { Seen = now } : (iat, now);
        });
        // Forget connections quiet for longer than any token lives: they are gone.
        if (_connections.Count > 1_000)
        {
            foreach (var (id, entry) in _connections)
            {
                if (now - entry.Seen > MaximumAge)
                {
                    _connections.TryRemove(id, out _);
                }
            }
        }
        return refused;
    }

    private static bool Verifies(string publicKeyPem, SignedToken token)
    {
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(publicKeyPem);
            // JWS ES256 signatures are r‖s (IEEE P1363), .NET's default format.
            return ecdsa.VerifyData(token.SigningInput, token.Signature, HashAlgorithmName.SHA256);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
