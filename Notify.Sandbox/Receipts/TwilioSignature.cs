using System.Security.Cryptography;
using System.Text;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// <c>X-Twilio-Signature</c>: base64 HMAC-SHA1, keyed with the account's auth token, of the URL
/// exactly as called (query included) followed by every POST parameter's name and value, sorted
/// by name ordinally, with no separators.
/// </summary>
public static class TwilioSignature
{
    public const string Header = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }
}
