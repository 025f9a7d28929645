using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Notify.Webhook.Sending;

namespace Notify.Webhook.Signing;

/// <summary>
/// Signs outbound webhooks per Standard Webhooks v1 (symmetric): the signed content is
/// <c>{webhook-id}.{webhook-timestamp}.{raw body}</c>, the signature is
/// <c>base64(HMAC-SHA256(secret bytes, content))</c>, and the <c>webhook-signature</c> header
/// lists <c>v1,&lt;signature&gt;</c> once per active secret, separated by spaces. During a
/// rotation the new secret signs first and the old one still signs, so a receiver holding
/// either verifies the message.
/// </summary>
public sealed class WebhookSigner
{
    private readonly WebhookSecret[] _secrets;

    public WebhookSigner(IOptions<WebhookOptions> options)
        : this([.. options.Value.SigningSecrets.Select(WebhookSecret.Parse)])
    {
    }

    public WebhookSigner(IReadOnlyList<WebhookSecret> secrets)
    {
        _secrets = [.. secrets];
        if (_secrets.Length == 0)
        {
            throw new ArgumentException("At least one signing secret is needed.", nameof(secrets));
        }
    }

    public int SecretCount => _secrets.Length;

    /// <summary>The <c>webhook-signature</c> header value for one message.</summary>
    public string Sign(string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.");
        var header = new StringBuilder(_secrets.Length * 48);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var secret in _secrets)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret.Key);
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(mac);
            if (header.Length > 0)
            {
                header.Append(' ');
            }
            header.Append("v1,").Append(Convert.ToBase64String(mac));
        }
        return header.ToString();
    }
}
