using System.ComponentModel.DataAnnotations;

namespace Notify.WhatsApp.Receipts;

/// <summary>
/// Meta's webhook for the WhatsApp business account (section <c>Notify:WhatsApp:Receipts</c>).
/// Without an app secret the endpoint is not served: unsigned statuses are never accepted.
/// </summary>
public sealed class WhatsAppWebhookOptions : IValidatableObject
{
    public const string SectionName = "Notify:WhatsApp:Receipts";

    /// <summary>
    /// The Meta app secret(s) that sign <c>X-Hub-Signature-256</c>. Two during a rotation: a
    /// request signed with either is accepted.
    /// </summary>
    [MaxLength(2)]
    public List<string> AppSecrets { get; set; } = [];

    /// <summary>The token Meta echoes in the subscription handshake (<c>hub.verify_token</c>), chosen when the webhook is set up.</summary>
    public string? VerifyToken { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AppSecrets.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult($"{SectionName}:AppSecrets must not hold an empty secret.", [nameof(AppSecrets)]);
        }
        if (AppSecrets.Count > 0 && string.IsNullOrWhiteSpace(VerifyToken))
        {
            yield return new ValidationResult(
                $"{SectionName}:VerifyToken is required with AppSecrets: Meta's subscription handshake cannot succeed without it.", [nameof(VerifyToken)]);
        }
    }
}
