using System.Collections.Concurrent;

namespace Notify.Hosting.Processes;

/// <summary>
/// Last line of defence: children run in their own sessions, so nothing stops them when the
/// AppHost or a test process ends without disposing them. On process exit every child still
/// registered gets a signal (the state file covers a SIGKILLed parent on the next run).
/// </summary>
internal static class ExitGuard
{
    private static readonly ConcurrentDictionary<int, int> Children = new();

    static ExitGuard()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var (pid, signal) in Children)
            {
                Posix.SignalGroup(pid, signal);
                Posix.Signal(pid, signal);
            }
        };
    }

    /// <summary>Watches <paramref name="pid"/>; SIGKILL by default, SIGQUIT (immediate shutdown) suits PostgreSQL.</summary>
    public static void Watch(int pid, int signal = Posix.SigKill) => Children[pid] = signal;

    public static void Forget(int pid) => Children.TryRemove(pid, out _);
}
