using System.Text.Json;
using Notify.Hosting.Processes;

namespace Notify.Hosting.Orchestration;

/// <summary>
/// The pids this AppHost started, on disk, so the next run can stop what a crashed (SIGKILLed)
/// AppHost left behind — Aspire gets this from DCP's --monitor. A pid is only killed when its
/// /proc/&lt;pid&gt;/cmdline still contains the recorded signature, since pids are reused.
/// </summary>
internal sealed class StateFile(string path)
{
    public sealed record Entry(string Resource, int Pid, string Signature, bool IsPostgres);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Record(string key, Entry entry)
    {
        lock (_gate)
        {
            _entries[key] = entry;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, JsonSerializer.Serialize(_entries.Values.ToList()));
        }
    }

    public void Delete()
    {
        lock (_gate)
        {
            _entries.Clear();
            File.Delete(path);
        }
    }

    /// <summary>Stops processes left by a previous run; returns what it stopped.</summary>
    public async Task<IReadOnlyList<Entry>> ReapOrphansAsync()
    {
        if (!File.Exists(path))
        {
            return [];
        }
        List<Entry> entries;
        try
        {
            entries = JsonSerializer.Deserialize<List<Entry>>(await File.ReadAllTextAsync(path)) ?? [];
        }
        catch (JsonException)
        {
            entries = [];
        }
        var reaped = new List<Entry>();
        // Projects first: they hold connections that a PostgreSQL fast shutdown would cut anyway.
        foreach (var entry in entries.OrderBy(e => e.IsPostgres))
        {
            if (!Posix.IsRunning(entry.Pid) || !Posix.CommandLine(entry.Pid).Contains(entry.Signature, StringComparison.Ordinal))
            {
                continue;
            }
            // SIGINT is PostgreSQL's fast shutdown; SIGTERM is a clean stop for .NET hosts and Redis.
            Posix.SignalGroup(entry.Pid, entry.IsPostgres ? 2 : Posix.SigTerm);
            if (!await Posix.WaitForExitAsync(entry.Pid, TimeSpan.FromSeconds(10)))
            {
                Posix.SignalGroup(entry.Pid, Posix.SigKill);
                Posix.Signal(entry.Pid, Posix.SigKill);
                await Posix.WaitForExitAsync(entry.Pid, TimeSpan.FromSeconds(5));
            }
            reaped.Add(entry);
        }
        File.Delete(path);
        return reaped;
    }
}
