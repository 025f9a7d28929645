using System.CommandLine;
using Notify.Cli.Connection;

namespace Notify.Cli;

/// <summary>The command tree of notifyctl; Program runs it, tests call <see cref="RunAsync"/> in-process.</summary>
public static class NotifyCtl
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("notifyctl: operate a running Notify (status, dead letters, channels, cleanup, tenants, templates, test sends, the crash drill).");
        GlobalOptions.AddTo(root);
        // Commands are added here, one line each.
        root.Subcommands.Add(Drill.DrillCommand.Create());
        return root;
    }

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        CreateRootCommand().Parse(args).InvokeAsync(cancellationToken: cancellationToken);
}
