using System.Collections.Concurrent;
using System.Diagnostics;
using Notify.AppHost;

namespace Notify.Tests.Infrastructure;

/// <summary>
/// A Notify project started the way an operator would start it outside the AppHost: <c>dotnet
/// Project.dll</c> with only the settings given here (none of the AppHost's variables, none of
/// this test process's ASP.NET Core, OpenTelemetry or Notify settings), its output kept.
/// </summary>
public sealed class StandaloneProcess : IAsyncDisposable
{
    private static readonly string[] InheritedPrefixes = ["ASPNETCORE_", "DOTNET_ENVIRONMENT", "OTEL_", "Kestrel__", "Notify__", "ConnectionStrings__", "Logging__", "services__"];
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private StandaloneProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public IReadOnlyCollection<string> Output => _output;

    /// <summary>Starts <c>{project}/bin/{configuration}/net10.0/{project}.dll</c> from the project directory.</summary>
    public static StandaloneProcess Start(string project, string configuration, IReadOnlyDictionary<string, string> settings)
    {
        var directory = Path.Combine(RepositoryRoot.Find(), project);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(directory, "bin", configuration, "net10.0", project + ".dll"));
        foreach (var key in info.Environment.Keys.Where(k => InheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        var standalone = new StandaloneProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) standalone._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) standalone._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return standalone;
    }

    /// <summary>The first output line matching <paramref name="pattern"/>'s group 1; fails with the output if the process exits or 60 s pass first.</summary>
    public async Task<string> WaitForAsync(string pattern)
    {
        var regex = new System.Text.RegularExpressions.Regex(pattern);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_output.Select(l => regex.Match(l)).FirstOrDefault(m => m.Success) is { } match)
            {
                return match.Groups[1].Value;
            }
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"No line matching '{pattern}' (exited: {_process.HasExited}); output:\n{string.Join("\n", _output.TakeLast(40))}");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
