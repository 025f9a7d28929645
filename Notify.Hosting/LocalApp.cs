using System.Runtime.InteropServices;
using Notify.Hosting.Model;
using Notify.Hosting.Orchestration;
using Notify.Hosting.Processes;
using Notify.Hosting.Servers;

namespace Notify.Hosting;

/// <summary>
/// A running local app model (Aspire: <c>DistributedApplication</c>): native PostgreSQL and
/// Redis, then the projects in WaitFor order, each as its own OS process on loopback ports.
/// </summary>
public sealed partial class LocalApp : IAsyncDisposable
{
    private readonly LocalAppOptions _options;
    private readonly IReadOnlyList<ILocalResource> _resources;
    private readonly StateFile _state;
    private readonly Dictionary<string, PostgresServer> _postgres = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RedisServer> _redis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PrometheusServer> _prometheus = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ResourceProcess>> _processes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private bool _stopped;

    internal LocalApp(LocalAppOptions options, IReadOnlyList<ILocalResource> resources)
    {
        _options = options;
        _resources = resources;
        _state = new StateFile(Path.Combine(options.StateDirectory, "apphost-pids.json"));
    }

    public LocalAppOptions Options => _options;
    public IReadOnlyList<ILocalResource> Resources => _resources;
    private IEnumerable<ProjectResource> Projects => _resources.OfType<ProjectResource>();

    /// <summary>Aspire-style entry point; understands <c>--state-dir DIR</c>, <c>--otlp-endpoint URL</c> (or <c>--otlp URL</c>) and <c>--otlp-protocol grpc|http/protobuf</c>.</summary>
    public static LocalAppBuilder CreateBuilder(string[] args)
    {
        var options = new LocalAppOptions();
        for (var i = 0; i < args.Length - 1; i++)
        {
            switch (args[i])
            {
                case "--state-dir":
                    options.StateDirectory = Path.GetFullPath(args[++i]);
                    break;
                case "--otlp" or "--otlp-endpoint":
                    options.OtlpEndpoint = args[++i];
                    break;
                case "--otlp-protocol":
                    options.OtlpProtocol = args[++i];
                    break;
            }
        }
        return new LocalAppBuilder(options);
    }

    /// <summary>Starts everything and returns once every resource is healthy; on failure stops what started and throws.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            _stopped = false;
            Directory.CreateDirectory(_options.StateDirectory);
            foreach (var orphan in await _state.ReapOrphansAsync())
            {
                Status($"Stopped {orphan.Resource} (pid {orphan.Pid}) left running by an earlier run.");
            }
            using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                await WhenAllOrFirstFailure([.. _resources.Select(r => StartServerAsync(r, failFast))]);
                PlanProjects();
                var ready = new Dictionary<ProjectResource, Task>();
                await WhenAllOrFirstFailure([.. Projects.Select(p => ReadyTask(p, ready, failFast))]);
                await StartPrometheusAsync(failFast.Token);
            }
            catch
            {
                await StopCoreAsync();
                throw;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops projects dependents-first (SIGTERM, then kill after the stop timeout), then Redis and PostgreSQL.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            await StopCoreAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Starts, calls <paramref name="onStarted"/>, then runs until Ctrl-C/SIGTERM/SIGHUP and stops.</summary>
    public async Task RunAsync(Func<LocalApp, Task>? onStarted = null, CancellationToken cancellationToken = default)
    {
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we stop the children ourselves, in order
            shutdown.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        try
        {
            await StartAsync(shutdown.Token);
            if (onStarted is not null)
            {
                await onStarted(this);
            }
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // Ctrl-C: fall through to the orderly stop.
        }
        finally
        {
            Status("Stopping…");
            await StopAsync();
            Status("Stopped.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _lifecycle.Dispose();
    }

    private void Status(string message) => _options.OnStatus?.Invoke(message);

    private static async Task WhenAllOrFirstFailure(Task[] tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch
        {
            var real = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (real is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(real).Throw();
            }
            throw;
        }
    }
}
