using System.CommandLine;
using Notify.Cli.Arguments;
using Notify.Cli.Connection;
using Spectre.Console;
using Notify.Grpc.Admin.V1;

namespace Notify.Cli.Commands.Audit;

/// <summary><c>notifyctl audit list</c>: who did what through the admin API, newest first.</summary>
public static class AuditCommand
{
    public static Command Create() => new("audit", "The audit log: every admin call that passed authentication, refusals included.")
    {
        List(),
    };

    private static Command List()
    {
        var limit = Options.Int("--limit", "How many entries, newest first (default 50).", minimum: 1, maximum: 1000);
        var action = Options.Text("--action", "Only this action (the rpc name, e.g. ReplayDeadLetters, PauseChannel).");
        var command = new Command("list", "Audit entries, newest first.") { limit, action };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var request = new ListAuditLogRequest
            {
                Limit = context.ParseResult.GetValue(limit) ?? 0,
                Action = context.ParseResult.GetValue(action) ?? "",
            };
            var response = await context.Clients.Admin().ListAuditLogAsync(request, NotifyClients.Call(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Ok;
            }
            if (response.Entries.Count == 0)
            {
                context.Output.Line("No audit entries.");
                return ExitCodes.Ok;
            }
            var table = Show.Table("Audit log", "when", "actor", "role", "action", "tenant", "client", "outcome", "detail");
            table.Columns[4].NoWrap();
            foreach (var entry in response.Entries)
            {
                table.AddRow(Show.Cell(Show.Time(entry.OccurredAt)), Show.Cell(entry.Actor), Show.Cell(entry.Role), Show.Cell(entry.Action),
                    Show.Cell(entry.TenantId), Show.Cell(entry.ClientAddress),
                    Show.Styled(entry.Outcome, entry.Outcome == "OK" ? "green" : "red"), Show.Cell(entry.Detail));
            }
            context.Output.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
