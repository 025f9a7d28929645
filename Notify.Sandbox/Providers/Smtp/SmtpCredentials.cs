using System.Security.Cryptography;
using System.Text;

namespace Notify.Sandbox.Providers.Smtp;

/// <summary>The sandbox's SMTP accounts (<c>Sandbox:Smtp:Users</c>): password by user name.</summary>
internal sealed class SmtpCredentials(IReadOnlyDictionary<string, string> users)
{
    /// <summary>Any account configured: clients must authenticate before MAIL FROM.</summary>
    public bool Required => users.Count > 0;

    public bool Verify(SaslCredentials credentials) =>
        users.TryGetValue(credentials.User, out var expected)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(credentials.Password));
}
