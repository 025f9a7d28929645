using System.Diagnostics.CodeAnalysis;

namespace Notify.Webhook.Signing;

/// <summary>
/// A Standard Webhooks symmetric signing secret: <c>whsec_</c> followed by the base64 of 24 to
/// 64 random bytes. The bytes are the HMAC key. <see cref="ToString"/> never shows them.
/// </summary>
public sealed class WebhookSecret
{
    public const string Prefix = "whsec_";
    public const int MinBytes = 24;
    public const int MaxBytes = 64;

    private WebhookSecret(byte[] key) => Key = key;

    /// <summary>The decoded key bytes (the HMAC-SHA256 key).</summary>
    public byte[] Key { get; }

    /// <summary>Parses <paramref name="value"/>, or says what is wrong with it without echoing it.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out WebhookSecret? secret, [NotNullWhen(false)] out string? problem)
    {
        secret = null;
        if (string.IsNullOrWhiteSpace(value) || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = $"must start with '{Prefix}' followed by base64";
            return false;
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(value[Prefix.Length..]);
        }
        catch (FormatException)
        {
            problem = $"must be '{Prefix}' followed by valid base64";
            return false;
        }
        if (key.Length is < MinBytes or > MaxBytes)
        {
            problem = $"must decode to {MinBytes} to {MaxBytes} bytes (it decodes to {key.Length})";
            return false;
        }
        secret = new WebhookSecret(key);
        problem = null;
        return true;
    }

    public static WebhookSecret Parse(string value) =>
        TryParse(value, out var secret, out var problem) ? secret : throw new FormatException("The webhook signing secret " + problem + ".");

    public override string ToString() => Prefix + "***";
}
