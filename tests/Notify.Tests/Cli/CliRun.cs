using System.Text.Json;
using Notify.Cli;

namespace Notify.Tests.Cli;

/// <summary>What one in-process notifyctl run did: its exit code and everything it wrote.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>Standard output as the one JSON document a <c>--json</c> run writes.</summary>
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Out);
            return document.RootElement.Clone();
        }
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs notifyctl in-process through <see cref="NotifyCtl.RunAsync"/> with standard output and
/// error redirected. Console.Out is process-wide, so every test that runs it is in the
/// non-parallel <see cref="CliCollection"/>, and runs take turns here as well.
/// </summary>
public static class CliRun
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static async Task<CliResult> RunAsync(params string[] args) => await RunAsync(CancellationToken.None, args);

    public static Task<CliResult> RunAsync(CancellationToken cancellationToken, params string[] args) =>
        RunAsync(cancellationToken, onLine: null, args);

    /// <summary>A run that calls <paramref name="onLine"/> with each line written to standard output as it is written.</summary>
    public static async Task<CliResult> RunAsync(CancellationToken cancellationToken, Action<string>? onLine, params string[] args)
    {
        await OneAtATime.WaitAsync(cancellationToken);
        var (originalOut, originalError) = (Console.Out, Console.Error);
        using var stdout = new LineWriter(onLine);
        using var stderr = new StringWriter();
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            var exitCode = await NotifyCtl.RunAsync(args, cancellationToken);
            return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            OneAtATime.Release();
        }
    }
}

/// <summary>Standard output kept for the result, each written line also handed to a callback (watch tests stop on it).</summary>
internal sealed class LineWriter(Action<string>? onLine) : StringWriter
{
    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        onLine?.Invoke(value ?? "");
    }
}
