using System.CommandLine;
using Grpc.Core;
using Notify.Cli.Connection;

namespace Notify.Cli.Commands;

/// <summary>What a command's action gets: its parse result, the output, and the connection to Notify.</summary>
public sealed class CommandContext(ParseResult parseResult, CliOutput output, NotifyEndpoints endpoints) : IDisposable
{
    private NotifyClients? _clients;

    public ParseResult ParseResult { get; } = parseResult;

    public CliOutput Output { get; } = output;

    public NotifyEndpoints Endpoints { get; } = endpoints;

    /// <summary>Clients over one channel, made on first use (commands that need no ingress never resolve one).</summary>
    public NotifyClients Clients => _clients ??= new NotifyClients(Endpoints);

    public void Dispose() => _clients?.Dispose();

    /// <summary>
    /// Sets <paramref name="command"/>'s action: build the context, run <paramref name="action"/>,
    /// and turn every failure into one error line (or JSON object) and a stable exit code.
    /// </summary>
    public static void SetAction(Command command, Func<CommandContext, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = GlobalOptions.Read(parseResult);
            var output = new CliOutput(settings.Json);
            NotifyEndpoints? endpoints = null;
            try
            {
                endpoints = NotifyEndpoints.Resolve(settings);
                using var context = new CommandContext(parseResult, output, endpoints);
                return await action(context, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C during a call: gRPC reports it as CANCELLED rather than OperationCanceledException.
                output.WriteError(ExitCodes.Failed, "Cancelled.");
                return ExitCodes.Failed;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                // Say where we looked: a stale endpoints file is the usual cause.
                var cause = e.Status.DebugException?.InnerException?.Message ?? e.Status.DebugException?.Message ?? e.Status.Detail;
                output.WriteError(ExitCodes.Unavailable, $"Notify at {endpoints?.Ingress} could not be reached: {cause}");
                return ExitCodes.Unavailable;
            }
            catch (CliException e)
            {
                output.WriteError(e.ExitCode, e.Message);
                return e.ExitCode;
            }
            catch (RpcException e)
            {
                var error = RpcErrors.ToCliException(e);
                output.WriteError(error.ExitCode, error.Message);
                return error.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                output.WriteError(ExitCodes.Failed, "Cancelled.");
                return ExitCodes.Failed;
            }
            catch (HttpRequestException e)
            {
                output.WriteError(ExitCodes.Unavailable, $"Notify could not be reached: {e.Message}");
                return ExitCodes.Unavailable;
            }
        });
    }
}
