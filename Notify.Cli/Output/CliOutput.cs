using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Notify.Cli;

/// <summary>
/// Where a command writes: tables and progress for people, or one JSON document for scripts
/// (<c>--json</c>). Results go to standard output, errors and progress to standard error, so
/// <c>notifyctl status --json | jq</c> always reads clean JSON.
/// </summary>
public sealed class CliOutput(bool json, IAnsiConsole? stdout = null, IAnsiConsole? stderr = null)
{
    /// <summary>Tables are laid out this wide when the output is not a terminal (a file, a pipe, a test).</summary>
    private const int RedirectedWidth = 140;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public bool Json { get; } = json;

    /// <summary>
    /// Tables and text for people (unused with <c>--json</c>). Made from <see cref="Console.Out"/>
    /// as it is now, not once per process, so a caller that redirected it (tests) gets the output.
    /// </summary>
    public IAnsiConsole Out { get; } = stdout ?? Create(Console.Out, Console.IsOutputRedirected);

    /// <summary>Progress and errors.</summary>
    public IAnsiConsole Error { get; } = stderr ?? Create(Console.Error, Console.IsErrorRedirected);

    /// <summary>Writes the command's JSON result (with <c>--json</c>).</summary>
    public void WriteJson(JsonNode document) => Console.Out.WriteLine(document.ToJsonString(Indented));

    /// <summary>Writes a protobuf message as JSON (with <c>--json</c>; see <see cref="ProtoJson"/>).</summary>
    public void WriteJson(Google.Protobuf.IMessage message) => WriteJson(ProtoJson.ToNode(message));

    /// <summary>Writes a table or other renderable for people.</summary>
    public void Write(IRenderable renderable) => Out.Write(renderable);

    /// <summary>A line for people on standard output; <paramref name="markup"/> is Spectre markup (escape values).</summary>
    public void Line(string markup) => Out.MarkupLine(markup);

    /// <summary>A warning on standard error, in both modes (a script's JSON stays clean).</summary>
    public void Warn(string message)
    {
        if (Json)
        {
            Console.Error.WriteLine(new JsonObject { ["warning"] = message }.ToJsonString());
        }
        else
        {
            Error.MarkupLineInterpolated($"[yellow]warning:[/] {message}");
        }
    }

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

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            // Colours and cursor movement only for a terminal: a file or pipe gets plain text.
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }
        return console;
    }
}
