using System.Security.Cryptography;
using System.Text;

namespace Notify.Tests.Sandbox.Receipts;

/// <summary>
/// Receivers' signature checks written from the providers' documentation
/// (/work/shared/reference/providers.md §1.3, §2.2, §3.1), independent of the sandbox's signing
/// code, and checked against each provider's published test vector (<see cref="ReceiptVerifierTests"/>).
/// </summary>
public static class ReceiptVerifiers
{
    /// <summary>SendGrid: ECDSA P-256 / SHA-256 over UTF-8(timestamp) + raw body; the signature is DER, the key SPKI.</summary>
    public static bool SendGridSignatureIsValid(string verificationKey, string timestamp, byte[] rawBody, string signature)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(verificationKey), out _);
        var message = new byte[Encoding.UTF8.GetByteCount(timestamp) + rawBody.Length];
        var written = Encoding.UTF8.GetBytes(timestamp, message);
        rawBody.CopyTo(message, written);
        return key.VerifyData(message, Convert.FromBase64String(signature), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>Twilio: base64 HMAC-SHA1(auth token, URL + each POST parameter's name and value, names sorted ordinally).</summary>
    public static string TwilioSignature(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var data = url + string.Concat(form.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + p.Value));
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(authToken));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data)));
    }

    /// <summary>Meta: <c>sha256=</c> + lowercase hex HMAC-SHA256(app secret, raw body).</summary>
    public static string MetaSignature(string appSecret, byte[] rawBody)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(appSecret));
        return "sha256=" + string.Concat(hmac.ComputeHash(rawBody).Select(b => b.ToString("x2")));
    }

    /// <summary>A form body as a receiver parses it (names and values URL-decoded, '+' as space).</summary>
    public static List<KeyValuePair<string, string>> ParseForm(byte[] body) =>
        [.. Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var parts = pair.Split('=', 2);
            static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
            return new KeyValuePair<string, string>(Decode(parts[0]), parts.Length > 1 ? Decode(parts[1]) : "");
        })];
}
