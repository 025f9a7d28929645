namespace Notify.Outbox;

/// <summary>The channel names stored in <c>deliveries.channel</c> (and its partitions).</summary>
public static class ChannelNames
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string WhatsApp = "whatsapp";
    public const string Webhook = "webhook";
    public const string Push = "push";

    public static readonly IReadOnlyList<string> All = [Email, Sms, WhatsApp, Webhook, Push];

    /// <summary>The LISTEN/NOTIFY channel that wakes a channel's workers.</summary>
    public static string WakeUpChannel(string channel) => "notify_" + channel;

    /// <summary>Throws unless <paramref name="channel"/> is one of <see cref="All"/>.</summary>
    public static void Require(string channel)
    {
        if (!All.Contains(channel))
        {
            throw new ArgumentException($"Unknown channel '{channel}'.", nameof(channel));
        }
    }

    /// <summary>
    /// <paramref name="sql"/> with <c>@channel</c> written in as a literal, so PostgreSQL picks the
    /// channel's partition when it plans. Only known channel names are accepted.
    /// </summary>
    public static string Literal(string sql, string channel)
    {
        Require(channel);
        return sql.Replace("@channel", "'" + channel + "'", StringComparison.Ordinal);
    }
}
