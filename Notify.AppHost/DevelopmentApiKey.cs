using System.Buffers.Text;
using System.Security.Cryptography;
using Notify.Hosting.Processes;

namespace Notify.AppHost;

/// <summary>
/// The development tenant's API key: generated once, kept in <c>.notify/dev-api-key</c> (0600)
/// so clients keep working across AppHost restarts. Format: <c>nfy_</c> + 43 base64url chars (32 random bytes).
/// </summary>
public sealed record DevelopmentApiKey(string Value, string Path)
{
    public const string FileName = "dev-api-key";

    public static DevelopmentApiKey LoadOrCreate(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = System.IO.Path.Combine(stateDirectory, FileName);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: 47 } existing && existing.StartsWith("nfy_", StringComparison.Ordinal))
        {
            return new DevelopmentApiKey(existing, path);
        }
        var key = "nfy_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        OwnerOnly.WriteAllText(path, key + "\n");
        return new DevelopmentApiKey(key, path);
    }
}
