using Notify.Grpc.Admin.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Notify.Cli.Commands.Status;

/// <summary>
/// <c>notifyctl status</c> for people: one table per concern (queue, workers and circuits,
/// pauses, dead letters), each answering one question an on-call engineer asks first.
/// </summary>
public static class StatusView
{
    public static IRenderable Render(SystemStatus status)
    {
        var observedAt = status.ObservedAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow;
        return new Rows(
            new Markup($"[bold]Notify status[/] at {Markup.Escape(Show.Time(status.ObservedAt))}"),
            Queue(status),
            Workers(status, observedAt),
            Pauses(status, observedAt),
            DeadLetters(status));
    }

    /// <summary>Is work piling up? Depth by status and the outbox lag (oldest claimable age).</summary>
    private static Table Queue(SystemStatus status)
    {
        var table = Show.Table("Queue", "channel", "pending", "retrying", "sending", "dead", "oldest claimable", "state");
        foreach (var right in new[] { 1, 2, 3, 4, 5 })
        {
            table.Columns[right].RightAligned();
        }
        foreach (var channel in status.Channels)
        {
            var lag = channel.OldestClaimableAge?.ToTimeSpan() ?? TimeSpan.Zero;
            table.AddRow(
                Show.Cell(channel.Channel),
                Show.Cell(channel.Pending),
                Show.Cell(channel.Retrying),
                Show.Cell(channel.Sending),
                channel.Dead > 0 ? Show.Styled(channel.Dead.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), "red") : Show.Cell(0),
                Show.Styled(lag == TimeSpan.Zero ? "-" : Show.Age(channel.OldestClaimableAge), lag > TimeSpan.FromSeconds(5) ? "yellow" : "default"),
                State(channel));
        }
        table.AddRow(
            Show.Styled("total", "bold"),
            Show.Cell(status.Channels.Sum(c => c.Pending)),
            Show.Cell(status.Channels.Sum(c => c.Retrying)),
            Show.Cell(status.Channels.Sum(c => c.Sending)),
            Show.Cell(status.Channels.Sum(c => c.Dead)),
            Show.Empty,
            Show.Empty);
        return table;
    }

    private static IRenderable State(ChannelStatus channel)
    {
        if (channel.Paused)
        {
            return Show.Styled("PAUSED", "red");
        }
        var pausedProviders = channel.Controls.Where(c => c.Paused && c.Provider.Length > 0).Select(c => c.Provider).ToList();
        if (pausedProviders.Count > 0)
        {
            return Show.Styled("paused: " + string.Join(", ", pausedProviders), "yellow");
        }
        return channel.Workers.Count == 0 ? Show.Styled("no workers", "yellow") : Show.Styled("running", "green");
    }

    /// <summary>Who is working, and is a provider failing? Every live worker with its circuits.</summary>
    private static IRenderable Workers(SystemStatus status, DateTimeOffset now)
    {
        var table = Show.Table("Workers and circuits", "channel", "worker", "host / pid", "up since", "last seen", "circuits");
        foreach (var channel in status.Channels)
        {
            foreach (var worker in channel.Workers)
            {
                var circuits = worker.Circuits.Count == 0
                    ? Show.Empty
                    : new Markup(string.Join("  ", worker.Circuits.Select(c =>
                        $"{Markup.Escape(c.Provider)} [{CircuitStyle(c.State)}]{Markup.Escape(c.State)}[/]")));
                table.AddRow(
                    Show.Cell(channel.Channel),
                    Show.Cell(worker.WorkerId),
                    Show.Cell($"{worker.Host} / {worker.Pid}"),
                    Show.Cell(Show.Time(worker.StartedAt)),
                    Show.Cell(Show.Ago(worker.LastSeenAt, now)),
                    circuits);
            }
        }
        if (table.Rows.Count == 0)
        {
            table.AddRow(Show.Styled("none", "yellow"), Show.Styled("no channel worker reported in the last 15 s", "yellow"), Show.Empty, Show.Empty, Show.Empty, Show.Empty);
        }
        return table;
    }

    private static string CircuitStyle(string state) => state switch
    {
        "closed" => "green",
        "half_open" => "yellow",
        _ => "red",
    };

    /// <summary>What did someone switch off, when and why?</summary>
    private static IRenderable Pauses(SystemStatus status, DateTimeOffset now)
    {
        var paused = status.Channels.SelectMany(c => c.Controls).Where(c => c.Paused).ToList();
        if (paused.Count == 0)
        {
            return new Markup("[green]No channel or provider is paused.[/]");
        }
        var table = Show.Table("Paused", "channel", "provider", "since", "by", "reason");
        foreach (var control in paused)
        {
            table.AddRow(
                Show.Cell(control.Channel),
                Show.Cell(control.Provider.Length == 0 ? "(whole channel)" : control.Provider),
                Show.Cell(Show.Ago(control.PausedAt, now)),
                Show.Cell(control.Actor),
                Show.Cell(control.Reason));
        }
        return table;
    }

    /// <summary>What gave up? Dead letters by channel; `notifyctl dlq list` groups them by error.</summary>
    private static IRenderable DeadLetters(SystemStatus status)
    {
        var total = status.Channels.Sum(c => c.Dead);
        if (total == 0)
        {
            return new Markup("[green]No dead letters.[/]");
        }
        var hint = new Markup("[dim]By error code: notifyctl dlq list[/]");
        var table = Show.Table("Dead letters", "channel", "dead");
        table.Columns[1].RightAligned();
        foreach (var channel in status.Channels.Where(c => c.Dead > 0))
        {
            table.AddRow(Show.Cell(channel.Channel), Show.Cell(channel.Dead));
        }
        table.AddRow(Show.Styled("total", "bold"), Show.Cell(total));
        return new Rows(table, hint);
    }
}
