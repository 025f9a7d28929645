using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace Notify.Email.Receipts;

/// <summary>
/// SendGrid's Signed Event Webhook (section <c>Notify:Email:Receipts</c>). Without keys the
/// endpoint is not served: unsigned events are never accepted.
/// </summary>
public sealed class SendGridEventWebhookOptions : IValidatableObject
{
    public const string SectionName = "Notify:Email:Receipts";

    /// <summary>
    /// SendGrid's verification keys: base64 of a DER SubjectPublicKeyInfo for an EC P-256 key,
    /// as SendGrid shows it (<c>MFkwEwYHKoZIzj0CAQYI…</c>). Two during a rotation: a request
    /// signed by either is accepted.
    /// </summary>
    [MaxLength(2)]
    public List<string> VerificationKeys { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < VerificationKeys.Count; i++)
        {
            if (!TryImport(VerificationKeys[i], out _))
            {
                yield return new ValidationResult(
                    $"{SectionName}:VerificationKeys:{i} is not a base64 DER public key on curve P-256 (SendGrid's verification key).",
                    [nameof(VerificationKeys)]);
            }
        }
    }

    /// <summary>The DER bytes of a valid P-256 public key.</summary>
    public static bool TryImport(string base64, out byte[] spki)
    {
        spki = [];
        try
        {
            var bytes = Convert.FromBase64String(base64.Trim());
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(bytes, out var read);
            if (read != bytes.Length || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                return false;
            }
            spki = bytes;
            return true;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false;
        }
    }
}
