using System.CommandLine;
using Grpc.Core;
using Notify.Cli.Connection;
using Notify.Grpc.Admin.V1;
using Spectre.Console;

namespace Notify.Cli.Commands.Status;

/// <summary><c>notifyctl status [--watch [seconds]]</c>: the admin API's GetStatus, once or refreshed until Ctrl-C.</summary>
public static class StatusCommand
{
    private const int DefaultWatchSeconds = 2;

    public static Command Create()
    {
        var watch = new Option<int?>("--watch", "-w")
        {
            Description = $"Refresh every N seconds (default {DefaultWatchSeconds}) until Ctrl-C. With --json: one JSON document per line per refresh.",
            HelpName = "seconds",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                {
                    return DefaultWatchSeconds;
                }
                var text = result.Tokens[0].Value;
                if (int.TryParse(text, out var seconds) && seconds is >= 1 and <= 3600)
                {
                    return seconds;
                }
                result.AddError($"--watch: '{text}' is not a number of seconds from 1 to 3600.");
                return null;
            },
        };
        var command = new Command("status", "Queue depth by channel and status, the oldest pending age, workers and their circuits, paused channels and providers, dead letters.")
        {
            watch,
        };
        CommandContext.SetAction(command, (context, cancellationToken) =>
        {
            var interval = context.ParseResult.GetValue(watch);
            return interval is { } seconds
                ? WatchAsync(context, TimeSpan.FromSeconds(seconds), cancellationToken)
                : OnceAsync(context, cancellationToken);
        });
        return command;
    }

    private static async Task<int> OnceAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var status = await context.Clients.Admin().GetStatusAsync(new GetStatusRequest(), NotifyClients.Call(cancellationToken));
        if (context.Output.Json)
        {
            context.Output.WriteJson(status);
        }
        else
        {
            context.Output.Write(StatusView.Render(status));
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Refreshes until Ctrl-C, which ends it with exit 0. A Notify that stops answering (a
    /// restart, the drill) is shown and retried rather than ending the watch; a refused token ends it.
    /// </summary>
    private static async Task<int> WatchAsync(CommandContext context, TimeSpan interval, CancellationToken cancellationToken)
    {
        var admin = context.Clients.Admin();
        var output = context.Output;
        var live = !output.Json && output.Out.Profile.Capabilities.Interactive;
        try
        {
            if (live)
            {
                await output.Out.Live(new Markup("[dim]loading…[/]")).StartAsync(async display =>
                {
                    while (true)
                    {
                        display.UpdateTarget(await ViewAsync(admin, interval, cancellationToken));
                        display.Refresh();
                        await Task.Delay(interval, cancellationToken);
                    }
                });
            }
            else
            {
                while (true)
                {
                    var status = await TryGetAsync(admin, cancellationToken);
                    if (output.Json)
                    {
                        Console.Out.WriteLine(status.Status is { } s ? ProtoJson.ToNode(s).ToJsonString() : new System.Text.Json.Nodes.JsonObject { ["error"] = status.Error }.ToJsonString());
                        Console.Out.Flush();
                    }
                    else
                    {
                        output.Write(status.Status is { } s ? StatusView.Render(s) : Unreachable(status.Error!));
                        output.Line("");
                    }
                    await Task.Delay(interval, cancellationToken);
                }
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
        return ExitCodes.Ok;
    }

    private static async Task<Spectre.Console.Rendering.IRenderable> ViewAsync(AdminService.AdminServiceClient admin, TimeSpan interval, CancellationToken cancellationToken)
    {
        var status = await TryGetAsync(admin, cancellationToken);
        var view = status.Status is { } s ? StatusView.Render(s) : Unreachable(status.Error!);
        return new Rows(view, new Markup($"[dim]refreshing every {interval.TotalSeconds:0}s; Ctrl-C to stop[/]"));
    }

    private static Markup Unreachable(string error) =>
        new($"[yellow]{Markup.Escape(DateTimeOffset.UtcNow.ToString("HH:mm:ss"))} Notify did not answer: {Markup.Escape(error)}; retrying[/]");

    private static async Task<(SystemStatus? Status, string? Error)> TryGetAsync(AdminService.AdminServiceClient admin, CancellationToken cancellationToken)
    {
        try
        {
            return (await admin.GetStatusAsync(new GetStatusRequest(), NotifyClients.Call(cancellationToken)), null);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
        {
            return (null, e.Status.Detail);
        }
    }
}
