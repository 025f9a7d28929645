using System.Diagnostics;

namespace Notify.Cli.Drill;

/// <summary>
/// <c>kill -9</c> of a replica by pid: a crash, with no chance to finish calls or give back
/// leases. Only pids the drill read from the topology (and checked against the worker answering
/// on that replica's health URL) are ever signalled.
/// </summary>
public static class ReplicaKiller
{
    public static async Task KillAsync(DrillReplica replica, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.GetProcessById(replica.Pid);
            process.Kill(entireProcessTree: false);   // SIGKILL on Unix
        }
        catch (ArgumentException)
        {
            throw new CliException(ExitCodes.Failed, $"{replica.Label} (pid {replica.Pid}) was not running when the drill came to kill it.");
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (IsAlive(replica.Pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new CliException(ExitCodes.Failed, $"{replica.Label} (pid {replica.Pid}) was still running 10 s after SIGKILL.");
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Running, not a zombie waiting for its parent (the AppHost) to reap it.</summary>
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (Directory.Exists("/proc/self"))
        {
            try
            {
                var text = File.ReadAllText(stat);
                // "pid (comm) S …": the state follows the last ')' (comm may contain spaces or parentheses).
                var state = text[(text.LastIndexOf(')') + 2)..].TrimStart()[0];
                return state is not ('Z' or 'X');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                return false;
            }
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
