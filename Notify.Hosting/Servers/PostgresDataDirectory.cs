using System.Security.Cryptography;
using System.Text;
using Notify.Hosting.Processes;

namespace Notify.Hosting.Servers;

/// <summary>
/// Where a cluster lives and how its tools are run. PostgreSQL refuses to run as root, so as
/// root every tool runs as the <c>postgres</c> user, which must own the data directory and be
/// able to reach it; a path it cannot reach (say under /root) moves to /var/lib/notify/&lt;hash&gt;.
/// </summary>
internal sealed class PostgresDataDirectory
{
    public const string UserName = "notify";
    private const string ServiceUser = "postgres";

    private PostgresDataDirectory(string path, string binDirectory, bool runAsServiceUser)
    {
        Path = path;
        BinDirectory = binDirectory;
        RunAsServiceUser = runAsServiceUser;
    }

    public string Path { get; }
    public string BinDirectory { get; }
    public bool RunAsServiceUser { get; }

    /// <summary>Kept next to the data directory, 0600, owned by whoever runs the launcher.</summary>
    public string PasswordFile => Path + ".password";
    public string LogFile => System.IO.Path.Combine(Path, "notify-server.log");
    public string PidFile => System.IO.Path.Combine(Path, "postmaster.pid");
    public bool IsInitialised => File.Exists(System.IO.Path.Combine(Path, "PG_VERSION"));

    /// <summary>Unix sockets have a ~107 byte path limit; long data paths get a short socket dir in /tmp.</summary>
    public string SocketDirectory => Path.Length < 80 ? Path : "/tmp/notify-pg-" + ShortHash(Path);

    public static async Task<PostgresDataDirectory> PrepareAsync(string requested, LogBuffer log)
    {
        var binDirectory = ServerBinaries.PostgresBinDirectory();
        var path = System.IO.Path.GetFullPath(requested);
        if (!Posix.IsRoot)
        {
            Directory.CreateDirectory(path);
            OwnerOnly.Directory(path);
            return new PostgresDataDirectory(path, binDirectory, runAsServiceUser: false);
        }

        var parent = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(parent);
        var reachable = await Command.RunAsync("runuser", ["-u", ServiceUser, "--", "test", "-x", parent, "-a", "-r", parent]);
        if (reachable.ExitCode != 0)
        {
            var fallback = System.IO.Path.Combine("/var/lib/notify", ShortHash(path), "data");
            log.Add($"The postgres user cannot reach {parent}; using {fallback} for the data of {path} instead.", isError: false);
            path = fallback;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        Directory.CreateDirectory(path);
        (await Command.RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", path])).EnsureSuccess($"chown of {path}");
        OwnerOnly.Directory(path);
        var directory = new PostgresDataDirectory(path, binDirectory, runAsServiceUser: true);
        if (directory.SocketDirectory != path)
        {
            Directory.CreateDirectory(directory.SocketDirectory);
            await Command.RunAsync("chown", [$"{ServiceUser}:{ServiceUser}", directory.SocketDirectory]);
        }
        return directory;
    }

    /// <summary>
    /// Runs initdb once. Local (socket) connections are trusted; TCP needs the generated
    /// scram-sha-256 password, so a stray process on the box cannot use the dev database.
    /// </summary>
    public async Task<string> EnsureInitialisedAsync(LogBuffer log)
    {
        if (IsInitialised)
        {
            return File.Exists(PasswordFile)
                ? (await File.ReadAllTextAsync(PasswordFile)).Trim()
                : throw new InvalidOperationException(
                    $"{Path} holds a cluster but its password file {PasswordFile} is missing; delete the data directory to start over.");
        }

        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        OwnerOnly.WriteAllText(PasswordFile, password);

        var pwfile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"notify-pw-{Guid.NewGuid():N}");
        OwnerOnly.WriteAllText(pwfile, password);
        try
        {
            if (RunAsServiceUser)
            {
                await Command.RunAsync("chown", [ServiceUser, pwfile]);
            }
            log.Add($"initdb -D {Path}", isError: false);
            var result = await RunToolAsync("initdb",
                ["-D", Path, "-U", UserName, "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"]);
            result.EnsureSuccess($"initdb of {Path}");
        }
        finally
        {
            File.Delete(pwfile);
        }
        return password;
    }

    public Task<Command.Result> RunToolAsync(string tool, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var executable = System.IO.Path.Combine(BinDirectory, tool);
        return RunAsServiceUser
            ? Command.RunAsync("runuser", ["-u", ServiceUser, "--", executable, .. arguments], timeout)
            : Command.RunAsync(executable, arguments, timeout);
    }

    /// <summary>The postmaster's pid from postmaster.pid, or 0.</summary>
    public int ReadPostmasterPid()
    {
        try
        {
            var first = File.ReadLines(PidFile).FirstOrDefault();
            return int.TryParse(first, out var pid) ? pid : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static string ShortHash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
