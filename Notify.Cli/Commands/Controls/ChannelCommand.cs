using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Core;
using Notify.Cli.Arguments;
using Notify.Cli.Connection;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;
using Spectre.Console;

namespace Notify.Cli.Commands.Controls;

/// <summary>
/// <c>notifyctl channel pause|resume|list</c>: stop and restart a channel, or one provider of it,
/// on every replica (within 5 s, durable), with the reason and the actor recorded.
/// </summary>
public static class ChannelCommand
{
    public static Command Create() => new("channel", "Channel controls: pause or resume a channel or one of its providers on every replica.")
    {
        Change("pause", "Pauses a channel (workers stop claiming) or one provider of it (the channel fails over to its other providers).", pause: true),
        Change("resume", "Resumes a paused channel or provider.", pause: false),
        List(),
    };

    private static Command Change(string name, string description, bool pause)
    {
        var channel = Options.ChannelsArgument("CHANNEL", pause
            ? "The channel to pause; all pauses every channel (an emergency stop)."
            : "The channel to resume; all resumes every channel.");
        var provider = Options.Text("--provider", "Only this provider of the channel (e.g. sendgrid, smtp, twilio, fcm, apns).");
        var reason = Options.Text("--reason", "Why (recorded; shown by notifyctl status and channel list).", required: true, maxLength: 500);
        var command = new Command(name, description) { channel, provider, reason };
        command.Validators.Add(result =>
        {
            // The tokens, not the value: reading a value that failed to parse would throw here.
            if (result.GetValue(provider) is not null && result.GetResult(channel) is { Tokens: [.., var last] }
                && string.Equals(last.Value.Trim(), "all", StringComparison.OrdinalIgnoreCase))
            {
                result.AddError("--provider: a provider belongs to one channel; name the channel instead of all.");
            }
        });
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var channels = context.ParseResult.GetValue(channel)!;
            var admin = context.Clients.Admin();
            var changed = new List<ChannelControl>(channels.Length);
            foreach (var one in channels)
            {
                var request = new ChannelControlRequest
                {
                    Channel = Channels.Name(one),
                    Provider = context.ParseResult.GetValue(provider) ?? "",
                    Reason = context.ParseResult.GetValue(reason)!,
                };
                try
                {
                    changed.Add(pause
                        ? await admin.PauseChannelAsync(request, NotifyClients.Call(cancellationToken))
                        : await admin.ResumeChannelAsync(request, NotifyClients.Call(cancellationToken)));
                }
                catch (RpcException e) when (changed.Count > 0)
                {
                    // Part of "all" is done: say which, so the operator knows what state the system is in.
                    var error = RpcErrors.ToCliException(e);
                    throw new CliException(error.ExitCode,
                        $"{(pause ? "Paused" : "Resumed")} {string.Join(", ", changed.Select(c => c.Channel))}, then {request.Channel} failed: {error.Message} "
                        + "Run the command again: pausing and resuming are idempotent.");
                }
            }
            if (context.Output.Json)
            {
                if (changed.Count == 1)
                {
                    context.Output.WriteJson(changed[0]);
                }
                else
                {
                    var response = new ListChannelControlsResponse();
                    response.Controls.AddRange(changed);
                    context.Output.WriteJson(response);
                }
                return ExitCodes.Ok;
            }
            if (changed.Count > 1)
            {
                context.Output.Line(pause
                    ? "[yellow]Every channel is paused[/] (every replica stops within 5 s). Resume: notifyctl channel resume all --reason …"
                    : "[green]Every channel is running.[/]");
            }
            else
            {
                var control = changed[0];
                var what = control.Provider.Length == 0 ? $"Channel {control.Channel}" : $"Provider {control.Provider} of channel {control.Channel}";
                context.Output.Line(control.Paused
                    ? $"[yellow]{Markup.Escape(what)} is paused[/] (every replica stops within 5 s). Resume: notifyctl channel resume {Markup.Escape(control.Channel)}{(control.Provider.Length == 0 ? "" : " --provider " + Markup.Escape(control.Provider))} --reason …"
                    : $"[green]{Markup.Escape(what)} is running.[/]");
            }
            context.Output.Write(Controls(changed));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var channel = Options.Channel("--channel", "Only this channel.");
        var history = Options.Int("--history", "History entries per channel, newest first (default 10).", minimum: 1, maximum: 100);
        var command = new Command("list", "Controls in force (paused, or last resumed) and their recent history.") { channel, history };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var request = new ListChannelControlsRequest
            {
                Channel = Channels.Name(context.ParseResult.GetValue(channel)),
                History = context.ParseResult.GetValue(history) ?? 0,
            };
            var response = await context.Clients.Admin().ListChannelControlsAsync(request, NotifyClients.Call(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Ok;
            }
            context.Output.Write(response.Controls.Count == 0 ? new Markup("[green]No channel or provider has been paused.[/]\n") : Controls(response.Controls));
            if (response.History.Count > 0)
            {
                var table = Show.Table("History", "when", "channel", "provider", "action", "by", "reason", "was paused");
                foreach (var entry in response.History)
                {
                    table.AddRow(Show.Cell(Show.Time(entry.OccurredAt)), Show.Cell(entry.Channel), Show.Cell(entry.Provider),
                        Show.Styled(entry.Action, entry.Action == "pause" ? "yellow" : "green"), Show.Cell(entry.Actor),
                        Show.Cell(entry.Reason), Show.Cell(entry.WasPaused ? "yes" : "no"));
                }
                context.Output.Write(table);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Table Controls(IEnumerable<ChannelControl> controls)
    {
        var table = Show.Table("Controls", "channel", "provider", "state", "paused at", "by", "reason", "updated");
        foreach (var control in controls)
        {
            table.AddRow(
                Show.Cell(control.Channel),
                Show.Cell(control.Provider.Length == 0 ? "(whole channel)" : control.Provider),
                control.Paused ? Show.Styled("PAUSED", "red") : Show.Styled("running", "green"),
                Show.Cell(control.Paused ? Show.Time(control.PausedAt) : ""),
                Show.Cell(control.Actor),
                Show.Cell(control.Reason),
                Show.Cell(Show.Time(control.UpdatedAt)));
        }
        return table;
    }
}
