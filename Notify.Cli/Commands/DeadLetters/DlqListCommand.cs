using System.CommandLine;
using Notify.Cli.Connection;
using Spectre.Console;
using Notify.Grpc.Admin.V1;

namespace Notify.Cli.Commands.DeadLetters;

/// <summary><c>notifyctl dlq list</c>: dead letters grouped by channel and error code, largest group first.</summary>
public static class DlqListCommand
{
    public static Command Create()
    {
        var tenant = Arguments.Options.Text("--tenant", "Only this tenant's dead letters (id or name).");
        var filter = new DeadLetterFilterOptions();
        var command = new Command("list", "Dead letters grouped by channel and error code, with counts and the last occurrence.")
        {
            tenant,
        };
        filter.AddTo(command);
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var request = new ListDeadLetterGroupsRequest { Filter = filter.Read(context.ParseResult, context.ParseResult.GetValue(tenant)) };
            var response = await context.Clients.Admin().ListDeadLetterGroupsAsync(request, NotifyClients.Call(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Ok;
            }
            if (response.Groups.Count == 0)
            {
                context.Output.Line("[green]No dead letters[/] match.");
                return ExitCodes.Ok;
            }
            var table = Show.Table("Dead letters", "channel", "error code", "count", "last occurred");
            table.Columns[2].RightAligned();
            foreach (var group in response.Groups)
            {
                table.AddRow(Show.Cell(Show.Channel(group.Channel)), Show.Cell(group.ErrorCode.Length == 0 ? "(none)" : group.ErrorCode),
                    Show.Cell(group.Count), Show.Cell(Show.Time(group.LastOccurredAt)));
            }
            table.AddRow(Show.Styled("total", "bold"), Show.Empty, Show.Cell(response.Total), Show.Empty);
            context.Output.Write(table);
            context.Output.Line("[dim]One of them: notifyctl dlq show DELIVERY_ID. Replay: notifyctl dlq replay --tenant T --reason R [[filters]] (a dry run until --confirm).[/]");
            return ExitCodes.Ok;
        });
        return command;
    }
}
