using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Core;
using Notify.Cli.Connection;
using Notify.Grpc.Admin.V1;
using Spectre.Console;

namespace Notify.Cli.Commands.DeadLetters;

/// <summary>
/// <c>notifyctl dlq replay</c>: moves dead letters back to RETRYING. A dry run unless
/// <c>--confirm</c>: the dry run asks the server for the count (the same selection, budgets and
/// size limit the real run would meet) and changes nothing. Every call is signed with the replay
/// HMAC secret, as admin.proto requires.
/// </summary>
public static class DlqReplayCommand
{
    /// <summary>The most ids one request may carry (admin.proto).</summary>
    private const int MaxIds = 100_000;

    public static Command Create()
    {
        var ids = new Option<IReadOnlyList<Guid>>("--ids")
        {
            Description = $"Delivery ids to replay, comma separated (or the option repeated); at most {MaxIds:N0}. Not with the filter options.",
            HelpName = "id,id",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result =>
            {
                var parsed = new List<Guid>();
                foreach (var text in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                {
                    if (!Guid.TryParse(text, out var id))
                    {
                        result.AddError($"--ids: '{text}' is not a delivery id (a UUID).");
                        return [];
                    }
                    parsed.Add(id);
                }
                if (parsed.Count == 0)
                {
                    result.AddError("--ids: give at least one delivery id.");
                }
                else if (parsed.Count > MaxIds)
                {
                    result.AddError($"--ids: {parsed.Count:N0} ids; at most {MaxIds:N0} in one replay.");
                }
                return parsed.Distinct().ToList();
            },
        };
        ids.Arity = ArgumentArity.OneOrMore;
        var tenant = Arguments.Options.Text("--tenant", "The tenant (id or name) whose dead letters to replay; replays never cross tenants.", required: true);
        var reason = Arguments.Options.Text("--reason", "Why, e.g. an incident id; recorded with the run and in the audit log.", required: true, maxLength: 500);
        var key = Arguments.Options.Text("--key", "A replay key (e.g. INC-2026-11-24-001): running the same replay again with it returns the first run's result.", maxLength: 200);
        var max = Arguments.Options.Int("--max", "Refuse (nothing changed) when more dead letters than this match; default: the server's maximum.", minimum: 1);
        var confirm = new Option<bool>("--confirm") { Description = "Replay for real. Without it this is a dry run that only counts." };
        var filter = new DeadLetterFilterOptions();
        var command = new Command("replay", "Replays dead letters of one tenant by ids or by filter; a dry run unless --confirm.")
        {
            ids, tenant, reason, key, max, confirm,
        };
        filter.AddTo(command);
        command.Validators.Add(result =>
        {
            if (Arguments.Given.Has(result, ids) && filter.AnyGiven(result))
            {
                result.AddError("--ids cannot be combined with --channel, --error-code, --since or --until: replay by ids or by filter.");
            }
        });

        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.ParseResult;
            var request = new ReplayDeadLettersRequest
            {
                Tenant = parse.GetValue(tenant)!,
                Confirm = parse.GetValue(confirm),
                MaxRows = parse.GetValue(max) ?? 0,
                ReplayKey = parse.GetValue(key) ?? "",
                Reason = parse.GetValue(reason)!,
            };
            if (parse.GetValue(ids) is { Count: > 0 } chosen)
            {
                request.DeliveryIds.AddRange(chosen.Select(id => id.ToString()));
            }
            else
            {
                request.Filter = filter.Read(parse, tenant: null);
            }

            var clients = context.Clients;
            var admin = clients.Admin();
            var signature = ReplaySignature.Create(clients.ReplayHmacSecret(), request, DateTimeOffset.UtcNow);
            var headers = new Metadata { { ReplaySignature.Header, signature } };
            var response = await admin.ReplayDeadLettersAsync(request, NotifyClients.Call(cancellationToken, headers));
            Report(context.Output, request, response);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Report(CliOutput output, ReplayDeadLettersRequest request, ReplayDeadLettersResponse response)
    {
        if (output.Json)
        {
            var json = (JsonObject)ProtoJson.ToNode(response);
            if (response.DryRun)
            {
                json["confirmWith"] = "--confirm";
            }
            output.WriteJson(json);
            return;
        }
        var tenant = Markup.Escape(request.Tenant);
        if (response.DryRun)
        {
            output.Line($"[bold]Dry run:[/] {response.Count:N0} dead letter(s) of tenant {tenant} would be replayed. [green]Nothing changed.[/]");
            output.Line(response.Count == 0
                ? "Nothing to replay."
                : "To replay them, run the same command again with [bold]--confirm[/].");
            Budgets(output, response);
            return;
        }
        if (response.Repeated)
        {
            output.Line($"[yellow]Replay key {Markup.Escape(request.ReplayKey)} was used before for this same replay:[/] its first run's result, nothing new was replayed.");
        }
        else
        {
            output.Line($"[green]Replayed {response.Count:N0} dead letter(s)[/] of tenant {tenant}: they are RETRYING and will be sent again.");
        }
        var table = Show.Table("Replay", "run", "count", "at", "reason", "key");
        table.AddRow(Show.Cell(response.RunId), Show.Cell(response.Count), Show.Cell(Show.Time(response.CreatedAt)),
            Show.Cell(request.Reason), Show.Cell(request.ReplayKey));
        output.Write(table);
        Budgets(output, response);
    }

    private static void Budgets(CliOutput output, ReplayDeadLettersResponse response) =>
        output.Line($"Replay budget left today: [bold]{response.DailyBudgetRemaining:N0}[/], this month: [bold]{response.MonthlyBudgetRemaining:N0}[/].");
}
