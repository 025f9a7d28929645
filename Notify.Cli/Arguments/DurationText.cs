using System.Globalization;
using System.Text.RegularExpressions;

namespace Notify.Cli.Arguments;

/// <summary>
/// Durations as operators write them: <c>90s</c>, <c>15m</c>, <c>24h</c>, <c>7d</c>, combined
/// (<c>1h30m</c>), <c>0</c>, or .NET's <c>hh:mm:ss</c>.
/// </summary>
public static partial class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        text = text.Trim();
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }
        var match = Units().Match(text);
        if (match.Success)
        {
            foreach (Capture part in match.Groups["part"].Captures)
            {
                var number = double.Parse(part.Value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture);
                duration += part.Value[^1] switch
                {
                    'd' => TimeSpan.FromDays(number),
                    'h' => TimeSpan.FromHours(number),
                    'm' => TimeSpan.FromMinutes(number),
                    _ => TimeSpan.FromSeconds(number),
                };
            }
            return true;
        }
        return text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
    }

    /// <summary>Short and readable: <c>450ms</c>, <c>12.3s</c>, <c>4m 05s</c>, <c>3h 20m</c>, <c>2d 4h</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }
        return duration.TotalSeconds switch
        {
            < 1 => $"{duration.TotalMilliseconds:0}ms",
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#}s"),
            < 3600 => $"{duration.Minutes}m {duration.Seconds:00}s",
            < 86400 => $"{(int)duration.TotalHours}h {duration.Minutes:00}m",
            _ => $"{(int)duration.TotalDays}d {duration.Hours}h",
        };
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[dhms])+$", RegexOptions.CultureInvariant)]
    private static partial Regex Units();
}
