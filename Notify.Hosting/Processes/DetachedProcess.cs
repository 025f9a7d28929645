using System.Diagnostics;

namespace Notify.Hosting.Processes;

/// <summary>
/// Starts a child in its own session (via setsid) so that Ctrl-C in the terminal reaches only
/// the AppHost, which then stops children in dependency order instead of all at once.
/// setsid execs in place, so the pid we get is the child's own.
/// </summary>
internal static class DetachedProcess
{
    private static readonly string? Setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : null;

    public static Process Start(
        string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment, LogBuffer logs)
    {
        var info = new ProcessStartInfo(Setsid ?? fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (Setsid is not null)
        {
            info.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) logs.Add(e.Data, isError: false); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) logs.Add(e.Data, isError: true); };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }
        var pid = process.Id;
        ExitGuard.Watch(pid);
        process.Exited += (_, _) => ExitGuard.Forget(pid);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
