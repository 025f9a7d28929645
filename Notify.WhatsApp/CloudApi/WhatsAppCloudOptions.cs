using System.ComponentModel.DataAnnotations;

namespace Notify.WhatsApp.CloudApi;

/// <summary>
/// The WhatsApp Cloud API account (section <c>Notify:WhatsApp:Cloud</c>). Switching from the
/// sandbox to Meta is configuration only: base URL and credentials. The access token comes
/// from configuration, is validated at start and never logged.
/// </summary>
public sealed class WhatsAppCloudOptions : IValidatableObject
{
    public const string SectionName = "Notify:WhatsApp:Cloud";

    /// <summary>https://graph.facebook.com in production; the provider sandbox's URL in development.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://graph.facebook.com");

    /// <summary>The Graph API version in the path, e.g. <c>v23.0</c>; Meta retires old versions, so it is configuration.</summary>
    [Required, RegularExpression(@"^v[0-9]{1,3}\.[0-9]{1,3}$", ErrorMessage = "ApiVersion must look like v23.0.")]
    public string ApiVersion { get; set; } = "v23.0";

    /// <summary>The business phone number's id (not the number itself): the path segment messages are sent from.</summary>
    [Required, RegularExpression("^[0-9]{1,32}$", ErrorMessage = "PhoneNumberId must be the numeric id Meta assigned to the business phone number.")]
    public string PhoneNumberId { get; set; } = "";

    /// <summary>A system-user or app access token, sent as <c>Authorization: Bearer</c>.</summary>
    [Required]
    public string AccessToken { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("BaseUrl must be an absolute http(s) URL.", [nameof(BaseUrl)]);
        }
        // Never echo the token: say only what is wrong with it.
        if (AccessToken.Any(char.IsWhiteSpace))
        {
            yield return new ValidationResult("AccessToken must not contain whitespace.", [nameof(AccessToken)]);
        }
    }
}
