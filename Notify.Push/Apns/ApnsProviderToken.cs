using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notify.Push.Tokens;

namespace Notify.Push.Apns;

/// <summary>
/// The APNs provider token: an ES256 JWT (<c>kid</c> = Key ID, <c>iss</c> = Team ID, <c>iat</c>)
/// signed with the .p8 key, shared by every send of this process. Apple's rules: a token older
/// than an hour is refused (<c>ExpiredProviderToken</c>), and minting new ones more often than
/// every 20 minutes is refused too (<c>TooManyProviderTokenUpdates</c>). So a token is reused
/// until it is <see cref="RefreshAge"/> old, and even a token APNs rejected is replaced only
/// once it is at least <see cref="MinimumAge"/> old.
/// </summary>
public sealed class ApnsProviderToken : IDisposable
{
    public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(20);

    /// <summary>Ten minutes short of Apple's hour, so clock skew never makes it expire in use.</summary>
    public static readonly TimeSpan RefreshAge = TimeSpan.FromMinutes(50);

    private readonly ECDsa _key;
    private readonly ApnsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ApnsProviderToken> _logger;
    private readonly Lock _lock = new();
    private Minted? _current;
    private bool _rejected;

    public ApnsProviderToken(IOptions<ApnsOptions> options, TimeProvider time, ILogger<ApnsProviderToken> logger)
    {
        _options = options.Value;
        _key = _options.LoadSigningKey(out var error)
            ?? throw new OptionsValidationException(ApnsOptions.SectionName, typeof(ApnsOptions), [error ?? "No APNs key."]);
        _time = time;
        _logger = logger;
    }

    /// <summary>The token to send now: the shared one, or a new one when it is due.</summary>
    public string Current
    {
        get
        {
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                if (_current is not { } token || now - token.IssuedAt >= RefreshAge || (_rejected && now - token.IssuedAt >= MinimumAge))
                {
                    token = _current = Mint(now);
                    _rejected = false;
                }
                return token.Value;
            }
        }
    }

    /// <summary>
    /// APNs refused <paramref name="token"/> (<c>ExpiredProviderToken</c>, <c>InvalidProviderToken</c>):
    /// replace it as soon as Apple's 20-minute rule allows. True when the next send gets a new
    /// token; false when the rule holds the current one a while longer.
    /// </summary>
    public bool Reject(string token)
    {
        lock (_lock)
        {
            if (_current is not { } current || current.Value != token)
            {
                return true; // already replaced by a concurrent send
            }
            _rejected = true;
            return _time.GetUtcNow() - current.IssuedAt >= MinimumAge;
        }
    }

    private Minted Mint(DateTimeOffset now)
    {
        // ES256 signatures are IEEE P1363 (r‖s, 64 bytes): .NET's default format, as JWS requires.
        var value = CompactJwt.Create(
            new Dictionary<string, object> { ["alg"] = "ES256", ["kid"] = _options.KeyId },
            new Dictionary<string, object> { ["iss"] = _options.TeamId, ["iat"] = now.ToUnixTimeSeconds() },
            data => _key.SignData(data, HashAlgorithmName.SHA256));
        PushLog.ApnsTokenMinted(_logger, _options.KeyId, _options.TeamId, now);
        // iat has whole seconds: age is measured from that, as APNs measures it.
        return new Minted(value, DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()));
    }

    public void Dispose() => _key.Dispose();

    private sealed record Minted(string Value, DateTimeOffset IssuedAt);
}
