using System.Globalization;
using System.Net;

namespace Notify.Tests.Infrastructure;

/// <summary>
/// The TCP sockets a process listens on, read from Linux's <c>/proc</c>: its socket inodes
/// (<c>/proc/PID/fd</c>) matched against the LISTEN rows of <c>/proc/PID/net/tcp</c> and
/// <c>tcp6</c>. What the kernel says, whatever the process believes it configured.
/// </summary>
public static class ListeningSockets
{
    private const string Listen = "0A";

    public static IReadOnlyList<IPEndPoint> Of(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }
        return [.. Rows($"/proc/{pid}/net/tcp").Concat(Rows($"/proc/{pid}/net/tcp6"))
            .Where(r => r.State == Listen && inodes.Contains(r.Inode))
            .Select(r => r.Local)];
    }

    private static IEnumerable<(IPEndPoint Local, string State, string Inode)> Rows(string table)
    {
        if (!File.Exists(table))
        {
            yield break;
        }
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = columns[1].Split(':');
            yield return (new IPEndPoint(Address(local[0]), int.Parse(local[1], NumberStyles.HexNumber)), columns[3], columns[9]);
        }
    }

    /// <summary>The kernel prints addresses as 32-bit words in host (little-endian) order.</summary>
    private static IPAddress Address(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }
        return new IPAddress(bytes);
    }
}
