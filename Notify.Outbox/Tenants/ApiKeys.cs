using System.Security.Cryptography;
using System.Text;

namespace Notify.Outbox.Tenants;

/// <summary>
/// API keys are <c>nfy_</c> + 256 random bits in base64url. Only their SHA-256 is stored:
/// with that much entropy a fast hash is safe, and it lets a key be found by its hash.
/// </summary>
public static class ApiKeys
{
    public const string Prefix = "nfy_";

    public static string Generate()
    {
        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        return Prefix + Convert.ToBase64String(random).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>What operators may see of a key: its first 8 characters.</summary>
    public static string DisplayPrefix(string key) => key.Length <= 8 ? key : key[..8];

    /// <summary>A cheap shape check done before any lookup.</summary>
    public static bool LooksValid(string key) => key.Length is > 8 and <= 128 && key.StartsWith(Prefix, StringComparison.Ordinal);
}
