using System.Diagnostics;
using Notify.Hosting.Processes;

namespace Notify.Hosting.Servers;

/// <summary>A native redis-server on a loopback port, run in the foreground as our child.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly RedisServerOptions _options;
    private readonly string _binary;
    private Process? _process;
    private LogFileTailer? _tailer;

    private RedisServer(RedisServerOptions options, string binary, int port)
    {
        _options = options;
        _binary = binary;
        Port = port;
        Directory = Path.GetFullPath(options.Directory);
        Logs = new LogBuffer(options.Name, 0, options.OnLog);
    }

    public int Port { get; }
    public string Directory { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";
    public int Pid => _process is { HasExited: false } process ? process.Id : 0;
    public bool IsRunning => Pid > 0;
    public LogBuffer Logs { get; }
    private string LogFile => Path.Combine(Directory, "redis.log");

    public static async Task<RedisServer> StartAsync(RedisServerOptions options, CancellationToken cancellationToken = default)
    {
        var server = new RedisServer(options, ServerBinaries.RedisServer(), options.Port == 0 ? FreePort.Next() : options.Port);
        System.IO.Directory.CreateDirectory(server.Directory);
        await server.StartProcessAsync(cancellationToken);
        return server;
    }

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartProcessAsync(cancellationToken);
    }

    /// <summary>SIGTERM, which Redis handles as a clean shutdown; SIGKILL after 10 s.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Posix.Signal(process.Id, Posix.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        await ReleaseAsync();
    }

    /// <summary>SIGKILL, for fault tests.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Posix.Signal(process.Id, Posix.SigKill);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        await ReleaseAsync();
    }

    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? _options.StartTimeout);
        while (!await RedisPing.TryAsync(Port, cancellationToken))
        {
            if (_process is { HasExited: true } || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"Redis did not answer PING on port {Port}.{Environment.NewLine}{Logs.Tail()}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (!_options.Persistent && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        _tailer ??= new LogFileTailer(LogFile, Logs);
        string[] arguments =
        [
            "--bind", "127.0.0.1", "--port", Port.ToString(), "--save", "", "--appendonly", "no",
            "--dir", Directory, "--logfile", LogFile, "--daemonize", "no",
        ];
        _process = DetachedProcess.Start(_binary, arguments, Directory, environment: null, Logs);
        await WaitUntilReadyAsync(cancellationToken: cancellationToken);
    }

    private async Task ReleaseAsync()
    {
        _process?.Dispose();
        _process = null;
        if (_tailer is not null)
        {
            await _tailer.DisposeAsync();
            _tailer = null;
        }
    }
}
