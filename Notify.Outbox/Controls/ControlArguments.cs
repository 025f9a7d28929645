namespace Notify.Outbox.Controls;

/// <summary>
/// Checks what a pause or resume names before anything is written. Each message names the field
/// and says what would be accepted, so the admin API and <c>notifyctl</c> can pass it on as is.
/// </summary>
internal static class ControlArguments
{
    public const int MaxReasonLength = 500;
    public const int MaxActorLength = 200;

    /// <summary>The channel, or an <see cref="ArgumentException"/> naming <c>channel</c>.</summary>
    public static string Channel(string? channel)
    {
        if (string.IsNullOrEmpty(channel) || !ChannelNames.All.Contains(channel))
        {
            throw new ArgumentException(
                $"channel: '{Shown(channel)}' is not a channel; expected one of {string.Join(", ", ChannelNames.All)}.", nameof(channel));
        }
        return channel;
    }

    /// <summary>'' for the whole channel (null or empty), else one of the channel's providers.</summary>
    public static string Provider(string channel, string? provider)
    {
        if (string.IsNullOrEmpty(provider))
        {
            return "";
        }
        var known = ProviderNames.For(channel);
        if (!known.Contains(provider))
        {
            throw new ArgumentException(
                $"provider: '{Shown(provider)}' is not a provider of {channel}; expected one of {string.Join(", ", known)}, or none for the whole channel.",
                nameof(provider));
        }
        return provider;
    }

    /// <summary>Trimmed, non-empty, one line, at most <paramref name="maxLength"/> characters.</summary>
    public static string Text(string? value, int maxLength, string field)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new ArgumentException($"{field}: required; it is recorded with the change for the operators who come next.", field);
        }
        if (trimmed.Length > maxLength)
        {
            throw new ArgumentException($"{field}: {trimmed.Length} characters; at most {maxLength}.", field);
        }
        // The reason is written to the workers' logs: a newline in it could forge a log line.
        if (trimmed.Any(char.IsControl))
        {
            throw new ArgumentException($"{field}: must be one line without control characters (newlines, tabs).", field);
        }
        return trimmed;
    }

    /// <summary>Enough of a refused value to recognise it, without echoing a whole paste back.</summary>
    private static string Shown(string? value)
        => value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";
}
