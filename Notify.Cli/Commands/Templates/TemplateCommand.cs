using System.CommandLine;
using System.CommandLine.Parsing;
using Notify.Cli.Arguments;
using Notify.Cli.Connection;
using Notify.Grpc.V1;
using Spectre.Console;

namespace Notify.Cli.Commands.Templates;

/// <summary>
/// <c>notifyctl template put|list</c>: a tenant's Liquid templates through the tenant API
/// (notify.v1 PutTemplate/ListTemplates), with the tenant API key.
/// </summary>
public static class TemplateCommand
{
    public static Command Create() => new("template", "A tenant's message templates (Liquid), through the tenant API with its API key.")
    {
        Put(),
        List(),
    };

    private static Command Put()
    {
        var id = Options.Text("--id", "The template id: 1–128 letters, digits, '.', '_', '-'.", required: true, maxLength: 128);
        var channel = Options.Channel("--channel", "The channel this version is for.", required: true);
        var locale = Options.Text("--locale", "A BCP 47 locale such as en or pt-BR (default en).");
        var file = FileOption("--file", "Read the body (Liquid) from this file; '-' reads standard input. Or give --body.");
        var body = Options.Text("--body", "The body (Liquid) inline. Or give --file.");
        var subject = Options.Text("--subject", "The subject (Liquid): required for email, the title for push.");
        var htmlFile = FileOption("--html-file", "Email only: read the HTML part (Liquid) from this file.");
        var htmlBody = Options.Text("--html-body", "Email only: the HTML part (Liquid) inline.");
        var description = Options.Text("--description", "A note for people: what changed.", maxLength: 1024);
        var command = new Command("put", "Stores a new version of a template for (id, channel, locale); sends after this use it.")
        {
            id, channel, locale, file, body, subject, htmlFile, htmlBody, description,
        };
        command.Validators.Add(result =>
        {
            OneOf(result, file, body, required: true);
            OneOf(result, htmlFile, htmlBody, required: false);
        });
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.ParseResult;
            var request = new PutTemplateRequest
            {
                TemplateId = parse.GetValue(id)!,
                Channel = parse.GetValue(channel),
                Locale = parse.GetValue(locale) ?? "",
                Subject = parse.GetValue(subject) ?? "",
                Body = parse.GetValue(body) ?? await ReadAsync("--file", parse.GetValue(file)!, cancellationToken),
                HtmlBody = parse.GetValue(htmlBody) ?? (parse.GetValue(htmlFile) is { } html ? await ReadAsync("--html-file", html, cancellationToken) : ""),
                Description = parse.GetValue(description) ?? "",
            };
            var template = await context.Clients.Tenant().PutTemplateAsync(request, NotifyClients.Call(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(template);
                return ExitCodes.Ok;
            }
            context.Output.Line($"[green]Stored[/] template {Markup.Escape(template.TemplateId)} ({Show.Channel(template.Channel)}, {Markup.Escape(template.Locale)}) version [bold]{template.Version}[/].");
            context.Output.Line(template.Variables.Count == 0
                ? "It reads no variables."
                : $"A send must supply: {Markup.Escape(string.Join(", ", template.Variables))} (notifyctl send --template {Markup.Escape(template.TemplateId)} --data name=value …).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var prefix = Options.Text("--prefix", "Only templates whose id starts with this.");
        var command = new Command("list", "The latest version of each of the tenant's templates.") { prefix };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var client = context.Clients.Tenant();
            var response = new ListTemplatesResponse();
            var request = new ListTemplatesRequest { TemplateIdPrefix = context.ParseResult.GetValue(prefix) ?? "", PageSize = 500 };
            do
            {
                var page = await client.ListTemplatesAsync(request, NotifyClients.Call(cancellationToken));
                response.Templates.AddRange(page.Templates);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Ok;
            }
            if (response.Templates.Count == 0)
            {
                context.Output.Line("No templates.");
                return ExitCodes.Ok;
            }
            var table = Show.Table("Templates", "id", "channel", "locale", "version", "variables", "created", "description");
            foreach (var template in response.Templates)
            {
                table.AddRow(Show.Cell(template.TemplateId), Show.Cell(Show.Channel(template.Channel)), Show.Cell(template.Locale),
                    Show.Cell(template.Version), Show.Cell(string.Join(", ", template.Variables)), Show.Cell(Show.Time(template.CreatedAt)),
                    Show.Cell(template.Description));
            }
            context.Output.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<string?> FileOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "path",
        Validators =
        {
            result =>
            {
                var path = result.GetValueOrDefault<string?>();
                if (path is not null && path != "-" && !File.Exists(path))
                {
                    result.AddError($"{name}: the file '{path}' does not exist.");
                }
            },
        },
    };

    private static void OneOf(CommandResult result, Option first, Option second, bool required)
    {
        var given = new[] { first, second }.Where(o => Given.Has(result, o)).ToList();
        if (given.Count > 1)
        {
            result.AddError($"Give {first.Name} or {second.Name}, not both.");
        }
        else if (given.Count == 0 && required)
        {
            result.AddError($"Give the body with {first.Name} or {second.Name}.");
        }
    }

    private static async Task<string> ReadAsync(string option, string path, CancellationToken cancellationToken)
    {
        try
        {
            return path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"{option}: cannot read '{path}' ({e.Message}).");
        }
    }
}
