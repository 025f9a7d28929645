using System.CommandLine;
using System.CommandLine.Invocation;
using Notify.Cli.Commands.Audit;
using Notify.Cli.Commands.Controls;
using Notify.Cli.Commands.Cleanup;
using Notify.Cli.Commands.DeadLetters;
using Notify.Cli.Commands.Send;
using Notify.Cli.Commands.Status;
using Notify.Cli.Commands.Templates;
using Notify.Cli.Commands.Tenants;
using Notify.Cli.Connection;

namespace Notify.Cli;

/// <summary>The command tree of notifyctl; Program runs it, tests call <see cref="RunAsync"/> in-process.</summary>
public static class NotifyCtl
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("notifyctl: operate a running Notify (status, dead letters, channels, cleanup, tenants, templates, test sends and their status, the crash drill).");
        GlobalOptions.AddTo(root);
        // Commands are added here, one line each.
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(DlqCommand.Create());
        root.Subcommands.Add(ChannelCommand.Create());
        root.Subcommands.Add(CleanupCommand.Create());
        root.Subcommands.Add(TenantCommand.Create());
        root.Subcommands.Add(TemplateCommand.Create());
        root.Subcommands.Add(SendCommand.Create());
        root.Subcommands.Add(GetCommand.Create());
        root.Subcommands.Add(AuditCommand.Create());
        root.Subcommands.Add(Drill.DrillCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs. A command line that does not parse exits <see cref="ExitCodes.Usage"/> with
    /// the errors (each naming its option or argument) and nothing sent; System.CommandLine's own
    /// handler would exit 1, which scripts must be able to tell from a failed operation.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            var output = new CliOutput(parseResult.GetValue(GlobalOptions.Json));
            var command = string.Join(' ', parseResult.CommandResult.Command.Name == "notifyctl"
                ? ["notifyctl"]
                : new[] { "notifyctl" }.Concat(CommandPath(parseResult.CommandResult)));
            output.WriteError(ExitCodes.Usage,
                string.Join(" ", parseResult.Errors.Select(e => e.Message)) + $" (see '{command} --help')");
            return ExitCodes.Usage;
        }
        // The writers as they are now (tests redirect Console.Out per call), not as first seen.
        // No process termination handling: System.CommandLine would answer Ctrl-C with exit 130,
        // outside notifyctl's exit codes; Program turns Ctrl-C into cancellationToken instead.
        var configuration = new InvocationConfiguration { Output = Console.Out, Error = Console.Error, ProcessTerminationTimeout = null };
        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (System.CommandLine.Parsing.SymbolResult? current = result; current is System.CommandLine.Parsing.CommandResult command && command.Parent is not null; current = command.Parent)
        {
            names.Push(command.Command.Name);
        }
        return names;
    }
}
