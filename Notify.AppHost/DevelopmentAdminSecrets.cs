using System.Buffers.Text;
using System.Security.Cryptography;
using Notify.Hosting.Processes;

namespace Notify.AppHost;

/// <summary>
/// The development admin API's secrets: a JWT signing key (<c>.notify/admin-jwt-key</c>, base64 of
/// 32 random bytes) and a replay HMAC secret (<c>.notify/admin-replay-secret</c>), generated once
/// per state directory and kept (0600) so tokens and scripts keep working across restarts; and an
/// admin token for <c>dev</c>, minted at every start and valid for <see cref="TokenLifetime"/>.
/// A class, not a record: a record's generated ToString would print the secrets.
/// </summary>
public sealed class DevelopmentAdminSecrets(byte[] signingKey, string replayHmacSecret, string token)
{
    public byte[] SigningKey { get; } = signingKey;

    public string ReplayHmacSecret { get; } = replayHmacSecret;

    /// <summary>An admin-role token for <c>dev</c>.</summary>
    public string Token { get; } = token;

    public const string SigningKeyFileName = "admin-jwt-key";
    public const string ReplaySecretFileName = "admin-replay-secret";
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(30);

    /// <summary>The signing key as the ingress reads it (<c>Notify__Admin__Jwt__SigningKeys__0</c>).</summary>
    public string SigningKeyBase64 => Convert.ToBase64String(SigningKey);

    public static DevelopmentAdminSecrets LoadOrCreate(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var key = LoadOrCreate(Path.Combine(stateDirectory, SigningKeyFileName),
            text => TryKey(text) is not null, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var secret = LoadOrCreate(Path.Combine(stateDirectory, ReplaySecretFileName),
            text => text.Length >= 32, () => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));
        var signingKey = TryKey(key)!;
        return new DevelopmentAdminSecrets(signingKey, secret, AdminTokens.Mint(signingKey, "dev", "admin", TokenLifetime));
    }

    /// <summary>A token signed with the development key, for tests that need another role or subject.</summary>
    public string Mint(string role, string subject = "dev", TimeSpan? lifetime = null)
        => AdminTokens.Mint(SigningKey, subject, role, lifetime ?? TimeSpan.FromHours(1));

    private static string LoadOrCreate(string path, Func<string, bool> valid, Func<string> create)
    {
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { } existing && valid(existing))
        {
            return existing;
        }
        var value = create();
        OwnerOnly.WriteAllText(path, value + "\n");
        return value;
    }

    private static byte[]? TryKey(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var length) && length >= 32 ? buffer[..length] : null;
    }
}
