using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Notify.Cli;

/// <summary>
/// Where a command writes: tables and progress for people, or one JSON document for scripts
/// (<c>--json</c>). Results go to standard output, errors and progress to standard error, so
/// <c>notifyctl status --json | jq</c> always reads clean JSON.
/// </summary>
public sealed class CliOutput(bool json, IAnsiConsole? stdout = null, IAnsiConsole? stderr = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public bool Json { get; } = json;

    /// <summary>Tables and text for people (unused with <c>--json</c>).</summary>
    public IAnsiConsole Out { get; } = stdout ?? AnsiConsole.Console;

    /// <summary>Progress and errors.</summary>
    public IAnsiConsole Error { get; } = stderr ?? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Writes the command's JSON result (with <c>--json</c>).</summary>
    public void WriteJson(JsonNode document) => Console.Out.WriteLine(document.ToJsonString(Indented));

    /// <summary>Writes a protobuf message as its canonical JSON (with <c>--json</c>).</summary>
    public void WriteJson(Google.Protobuf.IMessage message) =>
        Console.Out.WriteLine(JsonNode.Parse(Google.Protobuf.JsonFormatter.Default.Format(message))!.ToJsonString(Indented));

    /// <summary>Reports an error: one line, or <c>{"error": {...}}</c> on standard error with <c>--json</c>.</summary>
    public void WriteError(int exitCode, string message)
    {
        if (Json)
        {
            Console.Error.WriteLine(new JsonObject { ["error"] = new JsonObject { ["exitCode"] = exitCode, ["message"] = message } }.ToJsonString());
        }
        else
        {
            Error.MarkupLineInterpolated($"[red]error:[/] {message}");
        }
    }
}
