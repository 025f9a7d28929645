using System.Text.RegularExpressions;

namespace Notify.Tests.Infrastructure;

/// <summary>
/// Searches captured output (console lines, OTLP exports) for values that must never be there,
/// and reports each find with its source and surroundings, the value itself replaced by its name
/// so the report does not repeat the leak.
/// </summary>
public sealed partial class PrivateValueScan
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>A value that must not appear at all (a body, a token, a key, a secret, a whole recipient).</summary>
    public void Add(string name, string value)
    {
        if (value.Length < 8)
        {
            throw new ArgumentException($"'{name}' is too short to search for without false alarms.", nameof(value));
        }
        _values[name] = value;
    }

    public void AddAll(IEnumerable<KeyValuePair<string, string>> values)
    {
        foreach (var (name, value) in values)
        {
            Add(name, value);
        }
    }

    /// <summary>A phone number as a whole: E.164, and the digits without the '+' (WhatsApp's form).</summary>
    public void AddPhone(string name, string e164)
    {
        Add(name, e164);
        Add(name + " (digits)", e164.TrimStart('+'));
    }

    public int Count => _values.Count;

    /// <summary>Every find in <paramref name="outputs"/> (source, text), plus any JSON Web Token, which is a credential wherever it shows.</summary>
    public IReadOnlyList<string> Find(IEnumerable<(string Source, string Text)> outputs)
    {
        var finds = new List<string>();
        foreach (var (source, text) in outputs)
        {
            foreach (var (name, value) in _values)
            {
                var at = text.IndexOf(value, StringComparison.OrdinalIgnoreCase);
                if (at >= 0)
                {
                    finds.Add($"{name} in {source}: …{Excerpt(text, at, value.Length, $"<<{name}>>")}…");
                }
            }
            foreach (Match jwt in Jwt().Matches(text))
            {
                finds.Add($"a JSON Web Token in {source}: …{Excerpt(text, jwt.Index, jwt.Length, "<<JWT>>")}…");
            }
        }
        return finds;
    }

    private static string Excerpt(string text, int at, int length, string replacement)
    {
        var start = Math.Max(0, at - 120);
        var end = Math.Min(text.Length, at + length + 120);
        var excerpt = text[start..at] + replacement + text[(at + length)..end];
        return Regex.Replace(excerpt, @"[^\x20-\x7E]", "·");
    }

    /// <summary>Header and payload of a JWT: base64url JSON objects, so both start with "eyJ".</summary>
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}")]
    private static partial Regex Jwt();
}
