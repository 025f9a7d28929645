namespace Notify.Hosting.Servers;

/// <summary>Finds the native server binaries on Debian/Ubuntu layouts and on PATH.</summary>
internal static class ServerBinaries
{
    /// <summary>
    /// PostgreSQL's bin directory: the highest /usr/lib/postgresql/*/bin (Debian and Ubuntu keep
    /// initdb and pg_ctl there, off PATH), else <c>pg_config --bindir</c>, else PATH.
    /// </summary>
    public static string PostgresBinDirectory()
    {
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var best = Directory.GetDirectories(debianRoot)
                .Select(dir => (dir, version: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1))
                .Where(x => File.Exists(Path.Combine(x.dir, "bin", "pg_ctl")))
                .OrderByDescending(x => x.version)
                .Select(x => Path.Combine(x.dir, "bin"))
                .FirstOrDefault();
            if (best is not null)
            {
                return best;
            }
        }
        var pgConfig = FindOnPath("pg_config");
        if (pgConfig is not null)
        {
            var result = Processes.Command.RunAsync(pgConfig, ["--bindir"]).GetAwaiter().GetResult();
            if (result.ExitCode == 0 && File.Exists(Path.Combine(result.Output, "pg_ctl")))
            {
                return result.Output;
            }
        }
        var pgCtl = FindOnPath("pg_ctl")
            ?? throw new MissingServerBinaryException("pg_ctl", $"{debianRoot}/*/bin, pg_config --bindir, PATH");
        return Path.GetDirectoryName(pgCtl)!;
    }

    public static string RedisServer() =>
        FindOnPath("redis-server")
        ?? (File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null)
        ?? throw new MissingServerBinaryException("redis-server", "PATH, /usr/bin");

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
