using System.Text;

namespace Notify.Sandbox.Providers.Smtp;

/// <summary>The credentials a client sent with AUTH, or the reply that ended the exchange first.</summary>
internal sealed record SaslCredentials(string User, string Password);

/// <summary>
/// The SASL exchanges of SMTP AUTH (RFC 4954) the sandbox offers: PLAIN (RFC 4616,
/// <c>authzid NUL authcid NUL passwd</c>, with the response on the AUTH line or after an empty
/// 334) and LOGIN (user name and password, each base64 after its own 334). A client cancels
/// with <c>*</c>.
/// </summary>
internal static class SmtpSasl
{
    /// <summary>
    /// Runs the exchange for <c>AUTH {argument}</c>. <paramref name="challenge"/> sends a 334 and
    /// returns the client's answer (null when it went away). The result is the credentials,
    /// or an error reply to send; null when the client went away.
    /// </summary>
    public static async Task<(SaslCredentials? Credentials, string? ErrorReply)?> ReadAsync(
        string argument, Func<string, CancellationToken, Task<string?>> challenge, CancellationToken cancellationToken)
    {
        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var mechanism = parts.Length > 0 ? parts[0].ToUpperInvariant() : "";
        var initial = parts.Length > 1 ? parts[1] : null;
        switch (mechanism)
        {
            case "PLAIN":
                var plain = initial is null or "=" ? await challenge("", cancellationToken) : initial;
                return plain switch
                {
                    null => null,
                    "*" => (null, "501 5.0.0 Authentication cancelled"),
                    _ => TryDecodePlain(plain) is { } credentials ? (credentials, null) : (null, "501 5.5.2 Cannot decode the PLAIN response"),
                };
            case "LOGIN":
                var user = initial ?? await challenge("VXNlcm5hbWU6", cancellationToken); // "Username:"
                var password = user is null or "*" ? user : await challenge("UGFzc3dvcmQ6", cancellationToken); // "Password:"
                if (user is null || password is null)
                {
                    return null;
                }
                if (user == "*" || password == "*")
                {
                    return (null, "501 5.0.0 Authentication cancelled");
                }
                return TryDecode(user) is { } name && TryDecode(password) is { } secret
                    ? (new SaslCredentials(name, secret), null)
                    : (null, "501 5.5.2 Cannot decode the LOGIN response");
            default:
                return (null, "504 5.5.4 Unrecognized authentication type");
        }
    }

    private static SaslCredentials? TryDecodePlain(string response) =>
        TryDecode(response)?.Split('\0') is [_, var user, var password] ? new SaslCredentials(user, password) : null;

    private static string? TryDecode(string base64)
    {
        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
    }
}
