using System.Security.Cryptography;
using System.Text;

namespace Notify.Sandbox.Providers.Smtp;

/// <summary>
/// The sandbox's SMTP accounts (<c>Sandbox:Smtp:Users</c>) and the SASL encodings it reads:
/// PLAIN (RFC 4616, <c>authzid NUL authcid NUL passwd</c>) and LOGIN (user and password, each
/// base64 on its own line).
/// </summary>
internal sealed class SmtpCredentials(IReadOnlyDictionary<string, string> users)
{
    public bool Required => users.Count > 0;

    public bool Verify(string user, string password) =>
        users.TryGetValue(user, out var expected)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(password));

    /// <summary>Decodes a PLAIN response; false when it is not base64 or lacks the two NULs.</summary>
    public static bool TryDecodePlain(string response, out string user, out string password)
    {
        user = password = "";
        if (!TryDecode(response, out var text))
        {
            return false;
        }
        var parts = text.Split('\0');
        if (parts.Length != 3)
        {
            return false;
        }
        (user, password) = (parts[1], parts[2]);
        return true;
    }

    public static bool TryDecode(string base64, out string text)
    {
        text = "";
        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written))
        {
            return false;
        }
        text = Encoding.UTF8.GetString(buffer, 0, written);
        return true;
    }
}
