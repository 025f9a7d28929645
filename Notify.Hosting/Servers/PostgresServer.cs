using Notify.Hosting.Processes;
using Npgsql;

namespace Notify.Hosting.Servers;

/// <summary>
/// A native PostgreSQL server on a loopback port, started with pg_ctl. Used by the AppHost
/// for the developer's database and by tests for throw-away clusters.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly PostgresServerOptions _options;
    private readonly PostgresDataDirectory _data;
    private LogFileTailer? _tailer;

    private PostgresServer(PostgresServerOptions options, PostgresDataDirectory data, string password, int port, LogBuffer logs)
    {
        _options = options;
        _data = data;
        Password = password;
        Port = port;
        Logs = logs;
    }

    public int Port { get; }
    public string UserName => PostgresDataDirectory.UserName;
    public string Password { get; }

    /// <summary>The data directory actually used (differs from the requested one after a fallback).</summary>
    public string DataDirectory => _data.Path;

    /// <summary>The postmaster's pid while running, else 0.</summary>
    public int Pid => _data.ReadPostmasterPid();

    public bool IsRunning => Posix.IsRunning(Pid);

    public LogBuffer Logs { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={UserName};Password={Password};Database={database}";

    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, CancellationToken cancellationToken = default)
    {
        var logs = new LogBuffer(options.Name, 0, options.OnLog);
        var data = await PostgresDataDirectory.PrepareAsync(options.DataDirectory, logs);
        var password = await data.EnsureInitialisedAsync(logs);
        var server = new PostgresServer(options, data, password, options.Port == 0 ? FreePort.Next() : options.Port, logs);
        await server.StopLeftoverAsync();
        await server.StartProcessAsync(cancellationToken);
        return server;
    }

    /// <summary>Starts the server again on the same port and data, e.g. after <see cref="KillAsync"/>.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartProcessAsync(cancellationToken);
    }

    /// <summary>
    /// Starts the server again on the same port and data after <see cref="StopAsync"/> or
    /// <see cref="KillAsync"/>: fault tests take the database away for a while, then bring it back.
    /// </summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) => StartProcessAsync(cancellationToken);

    /// <summary>Graceful: pg_ctl stop -m fast (rolls back open transactions, checkpoints).</summary>
    public async Task StopAsync()
    {
        ExitGuard.Forget(Pid);
        if (IsRunning)
        {
            var result = await _data.RunToolAsync("pg_ctl", ["-D", _data.Path, "-m", "fast", "-w", "-t", "30", "stop"]);
            if (result.ExitCode != 0)
            {
                Logs.Add($"pg_ctl stop failed ({result.Output}); killing the server.", isError: true);
                await KillAsync();
            }
        }
        await StopTailingAsync();
    }

    /// <summary>SIGKILL to the postmaster and its backends: a crash, for fault tests. Restart runs recovery.</summary>
    public async Task KillAsync()
    {
        var pid = Pid;
        ExitGuard.Forget(pid);
        if (pid > 0)
        {
            // pg_ctl makes the postmaster a session leader, so its group is exactly the server.
            Posix.SignalGroup(pid, Posix.SigKill);
            Posix.Signal(pid, Posix.SigKill);
            await Posix.WaitForExitAsync(pid, TimeSpan.FromSeconds(10));
            await Task.Delay(100); // backends notice the postmaster's death and exit
        }
        await StopTailingAsync();
    }

    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }
        var quoted = "\"" + name.Replace("\"", "\"\"") + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created concurrently by someone else: that is what we wanted.
        }
    }

    /// <summary>Connects and runs SELECT 1 until it works or the timeout passes.</summary>
    public async Task WaitUntilReadyAsync(string database = "postgres", TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? _options.StartTimeout);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString(database) + ";Pooling=false;Timeout=5");
                await connection.OpenAsync(cancellationToken);
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (!_options.Persistent && Directory.Exists(_data.Path))
        {
            Directory.Delete(_data.Path, recursive: true);
            File.Delete(_data.PasswordFile);
            var parent = Path.GetDirectoryName(_data.Path)!;
            if (parent.StartsWith("/var/lib/notify/", StringComparison.Ordinal) && !Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        _tailer ??= new LogFileTailer(_data.LogFile, Logs);
        var settings = new List<string>
        {
            "-c listen_addresses=127.0.0.1",
            $"-p {Port}",
            $"-k '{_data.SocketDirectory}'",
            $"-c max_connections={_options.MaxConnections}",
            $"-c shared_buffers={_options.SharedBuffers}",
            // A new 16 MB WAL segment is zero-filled by the backend that needs it while it holds
            // the WAL write lock, so every commit waits for it: at 5,000 Sends/s a segment fills
            // every ~4 s and each fill stalled all callers ~50 ms (bench/RESULTS.md, eighth
            // session). Off, a new segment is created at its size without being written; commits
            // are still flushed (fdatasync) before they are acknowledged.
            "-c wal_init_zero=off",
        };
        if (!_options.Durable)
        {
            settings.AddRange(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
        }
        var timeout = (int)_options.StartTimeout.TotalSeconds;
        var result = await _data.RunToolAsync("pg_ctl",
            ["-D", _data.Path, "-l", _data.LogFile, "-w", "-t", timeout.ToString(), "-o", string.Join(' ', settings), "start"],
            _options.StartTimeout + TimeSpan.FromSeconds(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"PostgreSQL did not start on port {Port} ({_data.Path}): {result.Output}{Environment.NewLine}{ReadLogTail()}");
        }
        ExitGuard.Watch(Pid, signal: 3); // SIGQUIT: immediate shutdown
        await WaitUntilReadyAsync(cancellationToken: cancellationToken);
    }

    /// <summary>A postmaster left running on this data directory by a crashed AppHost would block the start.</summary>
    private async Task StopLeftoverAsync()
    {
        var pid = _data.ReadPostmasterPid();
        if (Posix.IsRunning(pid) && Posix.CommandLine(pid).Contains("postgres", StringComparison.Ordinal))
        {
            Logs.Add($"Stopping a PostgreSQL server (pid {pid}) left running on {_data.Path}.", isError: false);
            await _data.RunToolAsync("pg_ctl", ["-D", _data.Path, "-m", "fast", "-w", "-t", "30", "stop"]);
        }
    }

    private string ReadLogTail()
    {
        try
        {
            return string.Join(Environment.NewLine, File.ReadLines(_data.LogFile).TakeLast(20));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private async Task StopTailingAsync()
    {
        if (_tailer is not null)
        {
            await _tailer.DisposeAsync();
            _tailer = null;
        }
    }
}
