using System.CommandLine;
using System.CommandLine.Parsing;
using Notify.Grpc.V1;

namespace Notify.Cli.Arguments;

/// <summary>
/// Builders for options whose values are checked while parsing, so a bad value fails before
/// anything is sent (exit 2) with a message naming the option and what it accepts.
/// </summary>
public static class Options
{
    public static Option<Channel> Channel(string name, string description, bool required = false) => new(name)
    {
        Description = description + $" One of {Channels.List}.",
        Required = required,
        HelpName = "channel",
        CustomParser = result => ParseChannel(result, name),
    };

    public static Argument<Channel> ChannelArgument(string name, string description) => new(name)
    {
        Description = description + $" One of {Channels.List}.",
        CustomParser = result => ParseChannel(result, name),
    };

    /// <summary>A channel, or <c>all</c> for every channel (an emergency stop), as the list of channels meant.</summary>
    public static Argument<Channel[]> ChannelsArgument(string name, string description) => new(name)
    {
        Description = description + $" One of {Channels.List}, or all.",
        CustomParser = result => string.Equals(Single(result).Trim(), "all", StringComparison.OrdinalIgnoreCase)
            ? [.. Channels.Names.Select(n => Channels.TryParse(n, out var c) ? c : Grpc.V1.Channel.Unspecified)]
            : [ParseChannel(result, name)],
    };

    /// <summary>An id argument (a UUID); anything else is a usage error naming the argument and saying what id it wanted.</summary>
    public static Argument<Guid> IdArgument(string name, string description, string what) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Guid.TryParse(text, out var id))
            {
                return id;
            }
            result.AddError($"{name}: '{text}' is not a {what} id (a UUID).");
            return Guid.Empty;
        },
    };

    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description + " E.g. 30s, 15m, 24h, 7d, 0.",
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = Single(result);
            if (DurationText.TryParse(text, out var duration))
            {
                return duration;
            }
            result.AddError($"{name}: '{text}' is not a duration (e.g. 30s, 15m, 24h, 7d).");
            return null;
        },
    };

    public static Option<DateTimeOffset?> Instant(string name, string description) => new(name)
    {
        Description = description + " An ISO 8601 time (UTC unless it has an offset) or a duration ago (2h, 3d).",
        HelpName = "time",
        CustomParser = result =>
        {
            var text = Single(result);
            if (InstantText.TryParse(text, DateTimeOffset.UtcNow, out var instant))
            {
                return instant;
            }
            result.AddError($"{name}: '{text}' is not a time (e.g. 2026-11-24T10:00:00Z) or a duration ago (e.g. 2h).");
            return null;
        },
    };

    /// <summary>An integer option that must be at least <paramref name="minimum"/> (and at most <paramref name="maximum"/>).</summary>
    public static Option<int?> Int(string name, string description, int minimum, int maximum = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "n",
        CustomParser = result =>
        {
            var text = Single(result);
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
                && value >= minimum && value <= maximum)
            {
                return value;
            }
            result.AddError(maximum == int.MaxValue
                ? $"{name}: '{text}' is not a whole number of at least {minimum}."
                : $"{name}: '{text}' is not a whole number from {minimum} to {maximum}.");
            return null;
        },
    };

    /// <summary>A string option that, when given, must not be blank.</summary>
    public static Option<string?> Text(string name, string description, bool required = false, int maxLength = int.MaxValue) => new(name)
    {
        Description = description,
        Required = required,
        HelpName = "text",
        CustomParser = result =>
        {
            var text = Single(result);
            if (string.IsNullOrWhiteSpace(text))
            {
                result.AddError($"{name} must not be empty.");
                return null;
            }
            if (text.Length > maxLength)
            {
                result.AddError($"{name} is longer than {maxLength} characters.");
                return null;
            }
            return text;
        },
    };

    private static Channel ParseChannel(ArgumentResult result, string name)
    {
        var text = Single(result);
        if (Channels.TryParse(text, out var channel))
        {
            return channel;
        }
        result.AddError($"{name}: '{text}' is not a channel; use one of {Channels.List}.");
        return Grpc.V1.Channel.Unspecified;
    }

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
}
