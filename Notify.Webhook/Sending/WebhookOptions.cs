using System.ComponentModel.DataAnnotations;
using Notify.Webhook.Signing;

namespace Notify.Webhook.Sending;

/// <summary>
/// Outbound webhook settings (section <c>Notify:Webhook</c>), validated at start. The signing
/// secrets are never logged or echoed in a validation message.
/// </summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string SectionName = "Notify:Webhook";

    /// <summary>
    /// Standard Webhooks secrets (<c>whsec_…</c>), current first. Every one signs each message;
    /// during a rotation list the new secret first and keep the old one until receivers have
    /// switched (Svix keeps the old one valid for 24 hours), then remove it.
    /// </summary>
    [MinLength(1, ErrorMessage = "Notify:Webhook:SigningSecrets needs at least one whsec_ secret.")]
    [MaxLength(5, ErrorMessage = "Notify:Webhook:SigningSecrets holds at most 5 secrets (each adds a signature to every message).")]
    public List<string> SigningSecrets { get; set; } = [];

    /// <summary>
    /// Hosts whose URLs may lead to loopback, private or otherwise internal addresses: the
    /// provider sandbox in development. Empty in production.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>The <c>User-Agent</c> of every webhook request, so receivers can recognise Notify.</summary>
    [Required]
    public string UserAgent { get; set; } = "Notify-Webhooks/1.0";

    /// <summary>How much of a response body is kept with the attempt (valid UTF-8, cut at a character).</summary>
    [Range(0, 64 * 1024)]
    public int ResponseExcerptBytes { get; set; } = 1024;

    /// <summary>An endpoint's <c>Retry-After</c> is honoured up to this long, so one cannot park a delivery for years.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(10);

    /// <summary>The most a TCP (and TLS) connect may take, within the engine's per-call timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < SigningSecrets.Count; i++)
        {
            if (!WebhookSecret.TryParse(SigningSecrets[i], out _, out var problem))
            {
                yield return new ValidationResult($"Notify:Webhook:SigningSecrets:{i} {problem}.", [nameof(SigningSecrets)]);
            }
        }
        for (var i = 0; i < AllowedHosts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(AllowedHosts[i]) || AllowedHosts[i].Contains('/') || AllowedHosts[i].Contains('*'))
            {
                yield return new ValidationResult($"Notify:Webhook:AllowedHosts:{i} must be a host name or address (no scheme, path or wildcard).", [nameof(AllowedHosts)]);
            }
        }
    }
}
