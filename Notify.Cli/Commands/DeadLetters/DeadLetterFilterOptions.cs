using System.CommandLine;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Notify.Cli.Arguments;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;

namespace Notify.Cli.Commands.DeadLetters;

/// <summary>The filter options <c>dlq list</c> and <c>dlq replay</c> share: --channel, --error-code, --since, --until.</summary>
public sealed class DeadLetterFilterOptions
{
    public Option<Channel> Channel { get; } = Arguments.Options.Channel("--channel", "Only this channel's dead letters.");

    public Option<string?> ErrorCode { get; } = Arguments.Options.Text("--error-code", "Only dead letters whose last error has this code (e.g. 21211, 131026, LOCK_EXPIRED).");

    public Option<DateTimeOffset?> Since { get; } = Arguments.Options.Instant("--since", "Only dead letters that died at or after this time.");

    public Option<DateTimeOffset?> Until { get; } = Arguments.Options.Instant("--until", "Only dead letters that died before this time.");

    public void AddTo(Command command)
    {
        command.Options.Add(Channel);
        command.Options.Add(ErrorCode);
        command.Options.Add(Since);
        command.Options.Add(Until);
        command.Validators.Add(result =>
        {
            if (Given.Value(result, Since) is { } since && Given.Value(result, Until) is { } until && until <= since)
            {
                result.AddError("--until must be after --since.");
            }
        });
    }

    /// <summary>True when any filter option was given.</summary>
    public bool AnyGiven(System.CommandLine.Parsing.SymbolResult result) =>
        new Option[] { Channel, ErrorCode, Since, Until }.Any(option => Given.Has(result, option));

    public DeadLetterFilter Read(ParseResult result, string? tenant)
    {
        var filter = new DeadLetterFilter
        {
            Tenant = tenant ?? "",
            Channel = result.GetValue(Channel),
            ErrorCode = result.GetValue(ErrorCode) ?? "",
        };
        if (result.GetValue(Since) is { } since)
        {
            filter.From = Timestamp.FromDateTimeOffset(since);
        }
        if (result.GetValue(Until) is { } until)
        {
            filter.To = Timestamp.FromDateTimeOffset(until);
        }
        return filter;
    }
}
