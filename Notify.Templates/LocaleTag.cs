using System.Text.RegularExpressions;

namespace Notify.Templates;

/// <summary>
/// BCP 47-ish locale tags as templates store them: <c>en</c>, <c>pt-BR</c>, <c>zh-Hant-TW</c>.
/// Tags are normalised to the registry's case conventions (language lower, script title,
/// region upper) so <c>PT-br</c> and <c>pt-BR</c> find the same template.
/// </summary>
public static partial class LocaleTag
{
    public const string Default = "en";

    /// <summary>Normalises <paramref name="locale"/>; empty means <see cref="Default"/>.</summary>
    public static bool TryNormalize(string? locale, out string normalized)
    {
        if (string.IsNullOrEmpty(locale))
        {
            normalized = Default;
            return true;
        }
        if (locale.Length > 64 || !Pattern().IsMatch(locale))
        {
            normalized = "";
            return false;
        }

        var parts = locale.Split('-');
        parts[0] = parts[0].ToLowerInvariant();
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            parts[i] = part.Length switch
            {
                2 when char.IsAsciiLetter(part[0]) => part.ToUpperInvariant(),
                4 when char.IsAsciiLetter(part[0]) => char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant(),
                _ => part.ToLowerInvariant(),
            };
        }
        normalized = string.Join('-', parts);
        return true;
    }

    /// <summary>
    /// The locales tried for a normalised tag, best first: the tag, its language, then
    /// <see cref="Default"/> (<c>pt-BR</c> → <c>pt-BR, pt, en</c>).
    /// </summary>
    public static string[] FallbackChain(string normalized)
    {
        var dash = normalized.IndexOf('-');
        var language = dash < 0 ? normalized : normalized[..dash];
        return normalized == Default ? [Default]
            : language == Default ? [normalized, Default]
            : dash < 0 ? [normalized, Default]
            : [normalized, language, Default];
    }

    [GeneratedRegex("^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")]
    private static partial Regex Pattern();
}
