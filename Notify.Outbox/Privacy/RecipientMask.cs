namespace Notify.Outbox.Privacy;

/// <summary>
/// Masks addresses for logs and API answers: enough to tell two recipients apart while
/// debugging, not enough to contact anyone.
/// </summary>
public static class RecipientMask
{
    public static string Mask(string channel, string address) => channel switch
    {
        ChannelNames.Email => MaskEmail(address),
        ChannelNames.Sms or ChannelNames.WhatsApp => MaskPhone(address),
        ChannelNames.Webhook => MaskUrl(address),
        _ => MaskToken(address),
    };

    /// <summary><c>ada@example.com</c> → <c>a***@example.com</c>.</summary>
    public static string MaskEmail(string address)
    {
        var at = address.LastIndexOf('@');
        return at <= 0 ? "***" : string.Concat(address.AsSpan(0, 1), "***", address.AsSpan(at));
    }

    /// <summary><c>+14155550123</c> → <c>+141******23</c>: country code and last two digits.</summary>
    public static string MaskPhone(string phone)
    {
        if (phone.Length < 7)
        {
            return "***";
        }
        return string.Concat(phone.AsSpan(0, 4), new string('*', phone.Length - 6), phone.AsSpan(phone.Length - 2));
    }

    /// <summary>Scheme and host only: paths and queries often carry secrets.</summary>
    public static string MaskUrl(string url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}/***" : "***";

    /// <summary>First six characters of a device token.</summary>
    public static string MaskToken(string token)
        => token.Length <= 10 ? "***" : string.Concat(token.AsSpan(0, 6), "…");
}
