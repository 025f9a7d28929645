using System.Globalization;

namespace Notify.Cli.Arguments;

/// <summary>
/// Points in time for <c>--since</c>/<c>--until</c>: an ISO 8601 time (<c>2026-11-24T10:00:00Z</c>;
/// without an offset it is UTC) or a duration ago (<c>2h</c> = two hours before now).
/// </summary>
public static class InstantText
{
    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset instant)
    {
        if (DurationText.TryParse(text, out var ago) && !text.Contains(':'))
        {
            instant = now - ago;
            return true;
        }
        return DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
    }
}
