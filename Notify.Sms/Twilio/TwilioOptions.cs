using System.ComponentModel.DataAnnotations;

namespace Notify.Sms.Twilio;

/// <summary>Twilio account settings (section <c>Notify:Sms:Twilio</c>). Secrets come from configuration and are never logged.</summary>
public sealed class TwilioOptions : IValidatableObject
{
    public const string SectionName = "Notify:Sms:Twilio";

    /// <summary>https://api.twilio.com in production; the provider sandbox's URL in development.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.twilio.com");

    [Required, RegularExpression("^AC[0-9a-fA-F]{32}$", ErrorMessage = "AccountSid must look like AC followed by 32 hex digits.")]
    public string AccountSid { get; set; } = "";

    [Required]
    public string AuthToken { get; set; } = "";

    /// <summary>
    /// The auth token being rotated out, if any: status callbacks signed with it are still
    /// accepted until it is removed (Twilio signs with the token current when it sent them).
    /// </summary>
    public string? PreviousAuthToken { get; set; }

    /// <summary>The sending number (E.164); or leave empty and set <see cref="MessagingServiceSid"/>.</summary>
    public string? From { get; set; }

    public string? MessagingServiceSid { get; set; }

    /// <summary>
    /// Where Twilio posts status callbacks, when it is not <c>Notify:Receipts:PublicBaseUrl</c>
    /// + <c>/webhooks/twilio/status</c>. Notify adds <c>?delivery_id=…</c> to it for each message.
    /// </summary>
    public Uri? StatusCallback { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StatusCallback is { } callback && (!callback.IsAbsoluteUri || callback.Scheme is not ("http" or "https") || callback.Query.Length > 0))
        {
            yield return new ValidationResult("StatusCallback must be an absolute http(s) URL without a query.", [nameof(StatusCallback)]);
        }
        if (string.IsNullOrEmpty(From) == string.IsNullOrEmpty(MessagingServiceSid))
        {
            yield return new ValidationResult("Set exactly one of From and MessagingServiceSid.", [nameof(From), nameof(MessagingServiceSid)]);
        }
    }
}
