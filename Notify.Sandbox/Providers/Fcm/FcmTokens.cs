using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Providers.Fcm;

/// <summary>Access tokens the sandbox's OAuth endpoint issued, with their expiry.</summary>
public sealed class FcmTokens(IOptions<SandboxOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);

    public int LifetimeSeconds => options.Value.Fcm.TokenLifetimeSeconds;

    public string Issue()
    {
        var token = "ya29.sandbox-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = time.GetUtcNow().AddSeconds(LifetimeSeconds);
        return token;
    }

    public bool IsValid(string token) => _tokens.TryGetValue(token, out var expires) && time.GetUtcNow() < expires;
}
