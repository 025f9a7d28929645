using System.Security.Cryptography;

namespace Notify.Sandbox.Receipts;

/// <summary>Reads the Signed Event Webhook's private key: base64 PKCS#8 DER of an EC P-256 key, nothing else.</summary>
public static class SendGridSigningKey
{
    private const string P256 = "1.2.840.10045.3.1.7";

    /// <summary>The key, or a <see cref="CryptographicException"/> / <see cref="FormatException"/> saying why it is not one.</summary>
    public static ECDsa Import(string base64)
    {
        var der = Convert.FromBase64String(base64);
        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(der, out var read);
            if (read != der.Length)
            {
                throw new CryptographicException("trailing bytes after the PKCS#8 structure");
            }
            if (key.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value != P256)
            {
                throw new CryptographicException("the key is not on the P-256 curve");
            }
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Why <paramref name="base64"/> is not a usable key, or null when it is.</summary>
    public static string? Problem(string base64)
    {
        try
        {
            using var key = Import(base64);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return ex is FormatException ? "not base64" : ex.Message;
        }
    }
}
