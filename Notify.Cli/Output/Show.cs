using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Notify.Cli.Arguments;
using Notify.Grpc.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Notify.Cli;

/// <summary>How values read in tables: times in UTC, ages short, statuses coloured. Never markup from the server.</summary>
public static class Show
{
    /// <summary>Plain text for a table cell: the server's strings are never parsed as markup.</summary>
    public static IRenderable Cell(string? text) => new Text(string.IsNullOrEmpty(text) ? "-" : text);

    /// <summary>Nothing, e.g. the columns of a total row that have no total.</summary>
    public static IRenderable Empty => Text.Empty;

    public static IRenderable Cell(long number) => new Text(number.ToString("N0", CultureInfo.InvariantCulture)).RightJustified();

    public static IRenderable Styled(string text, string style) => new Markup($"[{style}]{Markup.Escape(text)}[/]");

    public static string Time(Timestamp? timestamp) =>
        timestamp is null || timestamp.Seconds == 0 && timestamp.Nanos == 0
            ? "-"
            : timestamp.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Age(Duration? duration) => duration is null ? "-" : DurationText.Format(duration.ToTimeSpan());

    public static string Ago(Timestamp? timestamp, DateTimeOffset now) =>
        timestamp is null || timestamp.Seconds == 0 ? "-" : DurationText.Format(now - timestamp.ToDateTimeOffset()) + " ago";

    public static string Channel(Channel channel) => Channels.Name(channel) is { Length: > 0 } name ? name : "-";

    public static string Status(DeliveryStatus status) =>
        status == DeliveryStatus.Unspecified ? "-" : status.ToString().ToUpperInvariant();

    public static IRenderable StatusCell(DeliveryStatus status) => Styled(Status(status), status switch
    {
        DeliveryStatus.Delivered or DeliveryStatus.Sent => "green",
        DeliveryStatus.Dead or DeliveryStatus.Failed or DeliveryStatus.Expired => "red",
        DeliveryStatus.Retrying => "yellow",
        _ => "default",
    });

    public static Table Table(string title, params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(title)}[/]");
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(column)));
        }
        return table;
    }
}
