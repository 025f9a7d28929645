using System.ComponentModel.DataAnnotations;

namespace Notify.Email.SendGrid;

/// <summary>
/// The SendGrid account (section <c>Notify:Email:SendGrid</c>). The API key comes from
/// configuration (a secret store in production), is checked at start and never logged.
/// </summary>
public sealed class SendGridOptions : IValidatableObject
{
    public const string SectionName = "Notify:Email:SendGrid";

    /// <summary>
    /// Where Mail Send lives: <c>https://api.sendgrid.com</c> (EU data residency:
    /// <c>https://api.eu.sendgrid.com</c>); the provider sandbox (<c>http://sandbox</c>, resolved
    /// through service discovery) in development.
    /// </summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.sendgrid.com");

    [Required]
    public string ApiKey { get; set; } = "";

    /// <summary>The sender: a verified sender or an address of an authenticated domain.</summary>
    [Required, EmailAddress]
    public string FromEmail { get; set; } = "";

    public string? FromName { get; set; }

    [EmailAddress]
    public string? ReplyTo { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!BaseUrl.IsAbsoluteUri || BaseUrl.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult("BaseUrl must be an absolute http or https URL.", [nameof(BaseUrl)]);
        }
        if (ApiKey.Any(char.IsWhiteSpace))
        {
            // The SDK splits "Bearer <key>" on whitespace; a pasted newline would send a broken header.
            yield return new ValidationResult("ApiKey must not contain whitespace.", [nameof(ApiKey)]);
        }
    }

    /// <summary>Never prints the key, should the options ever be logged.</summary>
    public override string ToString() => $"SendGrid {BaseUrl} from {FromEmail}";
}
