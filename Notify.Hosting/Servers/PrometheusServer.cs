using System.Diagnostics;
using Notify.Hosting.Processes;

namespace Notify.Hosting.Servers;

/// <summary>How to run one local Prometheus.</summary>
public sealed record PrometheusServerOptions
{
    /// <summary>The binary; <see cref="PrometheusServer.FindBinary"/> when null.</summary>
    public string? Binary { get; init; }

    /// <summary>Holds <c>prometheus.yml</c> and the TSDB under <c>data/</c>; kept between runs.</summary>
    public required string Directory { get; init; }

    /// <summary>The generated scrape configuration (see <see cref="PrometheusScrapeConfig"/>).</summary>
    public required string Configuration { get; init; }

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    public string Name { get; init; } = "prometheus";

    public Action<LogLine>? OnLog { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Debian's <c>prometheus</c> on a loopback port, as our child: a local view of every
/// process's metrics over time when no Aspire dashboard is around.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;

    private PrometheusServer(Process process, int port, string configurationFile, LogBuffer logs)
    {
        _process = process;
        Port = port;
        ConfigurationFile = configurationFile;
        Logs = logs;
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public string ConfigurationFile { get; }

    public LogBuffer Logs { get; }

    public int Pid => _process.HasExited ? 0 : _process.Id;

    public bool IsRunning => Pid > 0;

    /// <summary>What the orphan reaper matches in the command line.</summary>
    internal string Signature => $"--web.listen-address=127.0.0.1:{Port}";

    /// <summary>The installed binary (PATH, then Debian's <c>/usr/bin/prometheus</c>), or null.</summary>
    public static string? FindBinary() =>
        ServerBinaries.FindOnPath("prometheus") ?? (File.Exists("/usr/bin/prometheus") ? "/usr/bin/prometheus" : null);

    public static async Task<PrometheusServer> StartAsync(PrometheusServerOptions options, CancellationToken cancellationToken = default)
    {
        var binary = options.Binary ?? FindBinary()
            ?? throw new InvalidOperationException("'prometheus' was not found (PATH, /usr/bin): apt-get install prometheus");
        var directory = Path.GetFullPath(options.Directory);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "data"));
        var configurationFile = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configurationFile, options.Configuration, cancellationToken);
        var port = options.Port == 0 ? FreePort.Next() : options.Port;
        var logs = new LogBuffer(options.Name, 0, options.OnLog);
        string[] arguments =
        [
            $"--config.file={configurationFile}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            // Its start-up chatter would bury the services' own lines in the console.
            "--log.level=warn",
        ];
        var server = new PrometheusServer(DetachedProcess.Start(binary, arguments, directory, environment: null, logs), port, configurationFile, logs);
        try
        {
            await server.WaitUntilReadyAsync(options.StartTimeout, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Polls <c>/-/ready</c>, Prometheus's own readiness endpoint.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/-/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not listening yet
            }
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"Prometheus did not become ready on {Url}.{Environment.NewLine}{Logs.Tail()}");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>SIGTERM (Prometheus flushes its head block), SIGKILL after 10 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Posix.Signal(_process.Id, Posix.SigTerm);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        _process.Dispose();
    }
}
