using System.Diagnostics;
using Notify.Hosting.Model;
using Notify.Hosting.Processes;

namespace Notify.Hosting.Orchestration;

/// <summary>
/// One replica of a project: its ports and environment are fixed when the app starts, so
/// stopping and starting it again (a crash drill) brings it back on the same addresses.
/// </summary>
public sealed class ResourceProcess
{
    private readonly ProjectResource _project;
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly TimeSpan _stopTimeout;
    private Process? _process;
    private volatile bool _stopRequested;

    internal ResourceProcess(
        ProjectResource project, int replica, string dll, IReadOnlyDictionary<string, Uri> endpoints,
        IReadOnlyDictionary<string, string?> environment, TimeSpan stopTimeout, Action<LogLine>? sink)
    {
        _project = project;
        _dll = dll;
        _environment = environment;
        _stopTimeout = stopTimeout;
        Replica = replica;
        Endpoints = endpoints;
        Logs = new LogBuffer(project.Name, replica, sink);
    }

    public string ResourceName => _project.Name;
    public int Replica { get; }
    public IReadOnlyDictionary<string, Uri> Endpoints { get; }
    public IReadOnlyDictionary<string, string?> Environment => _environment;
    public LogBuffer Logs { get; }
    public int Pid => _process is { HasExited: false } process ? process.Id : 0;
    public bool IsRunning => Pid > 0;
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    /// <summary>The pid of the last start, kept after the process ends (the console shows which pid died).</summary>
    public int LastPid { get; private set; }
    public bool IsHealthy { get; private set; }

    /// <summary>What the orphan reaper matches against /proc/&lt;pid&gt;/cmdline.</summary>
    internal string Signature => _dll;

    internal event Action<ResourceProcess>? Started;

    /// <summary>
    /// The process ended without the app stopping it: a crash, or a <c>kill -9</c> from outside
    /// (the crash drill). The app runs on; the other replicas keep serving.
    /// </summary>
    internal event Action<ResourceProcess>? ExitedUnexpectedly;

    /// <summary>Starts the process (same ports and environment as before) and waits until it is healthy.</summary>
    public async Task StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{ResourceName}#{Replica} is already running (pid {Pid}).");
        }
        if (!File.Exists(_dll))
        {
            throw new FileNotFoundException(
                $"{_dll} does not exist. Build first: dotnet build {_project.ProjectPath} (or dotnet build Notify.sln).", _dll);
        }
        IsHealthy = false;
        _stopRequested = false;
        _process?.Dispose();
        _process = DetachedProcess.Start("dotnet", [_dll], _project.ProjectDirectory, _environment, Logs);
        var started = _process;
        LastPid = started.Id;
        started.Exited += (_, _) =>
        {
            Logs.Add($"Process {started.Id} exited with code {DescribeExit(started.ExitCode)}.", isError: started.ExitCode != 0);
            if (!_stopRequested)
            {
                IsHealthy = false;
                ExitedUnexpectedly?.Invoke(this);
            }
        };
        Started?.Invoke(this);
        await WaitUntilHealthyAsync(timeout ?? TimeSpan.FromSeconds(60), cancellationToken);
    }

    /// <summary>Polls the health path until HTTP 200; fails fast with the last log lines if the process exits.</summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_project.HealthCheckPath is null)
        {
            IsHealthy = IsRunning;
            return;
        }
        if (!Endpoints.TryGetValue(_project.HealthCheckEndpoint, out var endpoint))
        {
            throw new InvalidOperationException($"{ResourceName} has no endpoint '{_project.HealthCheckEndpoint}' for its health check.");
        }
        var url = new Uri(endpoint, _project.HealthCheckPath);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process is not { HasExited: false })
            {
                throw new InvalidOperationException(
                    $"{ResourceName}#{Replica} exited (code {ExitCode}) before it became healthy. Last lines:{System.Environment.NewLine}{Logs.Tail()}");
            }
            try
            {
                using var response = await http.GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    IsHealthy = true;
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"{ResourceName}#{Replica} did not answer 200 on {url} within {timeout.TotalSeconds:0} s. Last lines:{System.Environment.NewLine}{Logs.Tail()}");
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>SIGKILL to the process tree: a crash.</summary>
    public async Task KillAsync()
    {
        IsHealthy = false;
        if (_process is { HasExited: false } process)
        {
            Posix.SignalGroup(process.Id, Posix.SigKill);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// An exit code as people read it: a process ended by a signal reports 128 + its number
    /// (137 is SIGKILL, 143 SIGTERM).
    /// </summary>
    public static string DescribeExit(int code) => code switch
    {
        137 => "137 (SIGKILL)",
        143 => "143 (SIGTERM)",
        134 => "134 (SIGABRT)",
        139 => "139 (SIGSEGV)",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>SIGTERM (graceful host shutdown), then the tree is killed if it is still there after the stop timeout.</summary>
    public async Task TerminateAsync(TimeSpan? timeout = null)
    {
        IsHealthy = false;
        _stopRequested = true;
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        Posix.Signal(process.Id, Posix.SigTerm);
        using var cts = new CancellationTokenSource(timeout ?? _stopTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Logs.Add($"Did not stop within {(timeout ?? _stopTimeout).TotalSeconds:0} s of SIGTERM; killing it.", isError: true);
            await KillAsync();
        }
    }
}
