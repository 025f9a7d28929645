using System.Net.Mail;
using Notify.Delivery.Egress;
using PhoneNumbers;

namespace Notify.Ingress.Validation;

/// <summary>Syntax rules for recipient addresses. Each returns null when valid, else why not.</summary>
internal static class AddressRules
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    public static string? Email(string value, out string normalized)
    {
        normalized = value.Trim().ToLowerInvariant();
        if (normalized.Length == 0)
        {
            return "is required for the email channel";
        }
        if (normalized.Length > 254)
        {
            return "must be at most 254 characters";
        }
        if (!MailAddress.TryCreate(normalized, out var address) || address.Address != normalized || !string.IsNullOrEmpty(address.DisplayName))
        {
            return "must be a plain address such as name@example.com (no display name)";
        }
        var domain = address.Host;
        if (!domain.Contains('.') || domain.EndsWith('.') || domain.StartsWith('.') || domain.StartsWith('['))
        {
            return "must have a fully qualified domain such as example.com";
        }
        return null;
    }

    public static string? Phone(string value, out string normalized)
    {
        normalized = value.Trim();
        if (normalized.Length == 0)
        {
            return "is required";
        }
        if (normalized.Length > 16 || normalized[0] != '+')
        {
            return "must be an E.164 number such as +14155550123";
        }
        try
        {
            var number = Phones.Parse(normalized, null);
            if (!Phones.IsValidNumber(number))
            {
                return "is not a valid phone number for its country code";
            }
            if (Phones.Format(number, PhoneNumberFormat.E164) != normalized)
            {
                return "must be in E.164 form: '+', country code and number, no spaces or punctuation";
            }
        }
        catch (NumberParseException)
        {
            return "must be an E.164 number such as +14155550123";
        }
        return null;
    }

    public static string? WebhookUrl(string value, IReadOnlyCollection<string> allowedHttpHosts)
    {
        if (value.Length == 0)
        {
            return "is required for the webhook channel";
        }
        if (value.Length > 2048)
        {
            return "must be at most 2,048 characters";
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return "must be an absolute URL such as https://example.com/hooks";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "must not carry user info (credentials in URLs end up in logs); use the endpoint's signing secret";
        }
        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return "must use https";
        }
        var host = EgressGuard.HostOf(uri);
        var allowListed = allowedHttpHosts.Any(allowed => EgressGuard.NormalizeHost(allowed) == host);
        if (uri.Scheme == Uri.UriSchemeHttp && !allowListed)
        {
            return "must use https (plain http is allowed only for hosts on the development allow-list)";
        }
        // The same rule the webhook process's SSRF guard applies when it connects; names are
        // judged there, after their one lookup.
        if (!allowListed && EgressGuard.KindWithoutLookup(uri) is { } kind && kind != AddressKind.Public)
        {
            return $"must not lead to {kind.Describe()}: webhooks go only to public addresses";
        }
        return null;
    }

    public static string? PushToken(string token, bool apns)
    {
        if (token.Length == 0)
        {
            return "is required";
        }
        if (token.Length > 4096)
        {
            return "must be at most 4,096 characters";
        }
        foreach (var c in token)
        {
            var ok = apns
                ? char.IsAsciiHexDigit(c)
                : char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ':' or '.';
            if (!ok)
            {
                return apns ? "must be hex digits (an APNs device token)" : "must be an FCM registration token (letters, digits, '_', '-', ':', '.')";
            }
        }
        return apns && token.Length % 2 != 0 ? "must be an even number of hex digits" : null;
    }
}
