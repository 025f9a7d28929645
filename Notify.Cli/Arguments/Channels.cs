using Notify.Grpc.V1;

namespace Notify.Cli.Arguments;

/// <summary>
/// The channel names operators type (<c>email</c>, <c>sms</c>…) and the API's enum. The CLI
/// keeps its own list instead of referencing Notify.Outbox, so it carries no database driver.
/// </summary>
public static class Channels
{
    private static readonly (string Name, Channel Value)[] All =
    [
        ("email", Channel.Email),
        ("sms", Channel.Sms),
        ("whatsapp", Channel.Whatsapp),
        ("webhook", Channel.Webhook),
        ("push", Channel.Push),
    ];

    /// <summary>For messages: <c>email, sms, whatsapp, webhook, push</c>.</summary>
    public static string List => string.Join(", ", All.Select(c => c.Name));

    public static IEnumerable<string> Names => All.Select(c => c.Name);

    public static bool TryParse(string text, out Channel channel)
    {
        foreach (var (name, value) in All)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                channel = value;
                return true;
            }
        }
        channel = Channel.Unspecified;
        return false;
    }

    /// <summary>The lower-case name the admin API and the database use (<c>"email"</c>), or "" when unspecified.</summary>
    public static string Name(Channel channel) =>
        All.FirstOrDefault(c => c.Value == channel).Name ?? "";
}
