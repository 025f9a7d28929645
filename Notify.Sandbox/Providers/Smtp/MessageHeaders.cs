using System.Text;

namespace Notify.Sandbox.Providers.Smtp;

/// <summary>
/// The header section of a received message (RFC 5322 §2.2): the lines before the first empty
/// one, folded lines joined. The sandbox needs only a few fields, never the body.
/// </summary>
internal sealed class MessageHeaders
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.OrdinalIgnoreCase);

    private MessageHeaders()
    {
    }

    public static MessageHeaders Parse(byte[] message)
    {
        var headers = new MessageHeaders();
        string? name = null;
        var value = new StringBuilder();
        foreach (var line in Encoding.UTF8.GetString(message).Split("\r\n"))
        {
            if (line.Length == 0)
            {
                break;
            }
            if (line[0] is ' ' or '\t' && name is not null)
            {
                value.Append(line);
                continue;
            }
            headers.Add(name, value);
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            name = colon > 0 ? line[..colon].Trim() : null;
            value.Clear().Append(colon > 0 ? line[(colon + 1)..] : "");
        }
        headers.Add(name, value);
        return headers;
    }

    /// <summary>The first field of that name, trimmed; null when absent.</summary>
    public string? this[string name] => _fields.GetValueOrDefault(name);

    /// <summary><c>Message-Id</c> without its angle brackets.</summary>
    public string? MessageId => this["Message-Id"]?.Trim().TrimStart('<').TrimEnd('>') is { Length: > 0 } id ? id : null;

    private void Add(string? name, StringBuilder value)
    {
        if (name is { Length: > 0 })
        {
            _fields.TryAdd(name, value.ToString().Trim());
        }
    }
}
