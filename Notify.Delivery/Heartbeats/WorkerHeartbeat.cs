using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notify.Delivery.Circuits;
using Notify.Delivery.Engine;
using Notify.Outbox.Status;

namespace Notify.Delivery.Heartbeats;

/// <summary>
/// Says every <see cref="DeliveryWorkerOptions.HeartbeatInterval"/> that this channel process is
/// alive, with its provider-wide circuits, the pauses it honours and whether it claims: one
/// upsert of its row of <c>notify.workers</c> (<see cref="WorkerHeartbeatStore"/>), which
/// <c>notifyctl status</c> reads. On a clean stop (SIGTERM) it deletes the row once the worker
/// has drained; a killed process leaves it, and the status stops listing it after 15 s.
/// </summary>
/// <remarks>
/// A view for people, never a dependency of delivery: a failed write is logged once per outage
/// (and once when writing works again), and nothing else happens. The values are what the
/// worker already holds in memory; a beat reads nothing.
/// </remarks>
public sealed partial class WorkerHeartbeat(
    WorkerHeartbeatStore store, DeliveryWorker worker, IOptions<DeliveryWorkerOptions> options, TimeProvider time,
    ILogger<WorkerHeartbeat> logger) : BackgroundService
{
    // Long enough for one indexed delete; a shutdown already past the host's own timeout
    // still gets to remove the row (or it ages out of the status by itself).
    private static readonly TimeSpan RemoveTimeout = TimeSpan.FromSeconds(5);

    private readonly DeliveryWorkerOptions _options = options.Value;
    private readonly DateTimeOffset _startedAt = ProcessStart();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, time);
        var failing = false;
        do
        {
            try
            {
                await store.BeatAsync(Beat(), stoppingToken);
                if (failing)
                {
                    failing = false;
                    LogWritingAgain(logger, _options.Channel, _options.WorkerId);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (!failing)
                {
                    failing = true;
                    LogWriteFailed(logger, _options.Channel, _options.WorkerId, ex.GetType().Name);
                }
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>
    /// Stops beating, then deletes the row. The host stops services in reverse order of
    /// registration and this one is registered before the worker, so by now the worker has
    /// finished its calls in flight: the row goes when the process no longer sends.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var timeout = new CancellationTokenSource(RemoveTimeout);
        try
        {
            await store.RemoveAsync(_options.WorkerId, timeout.Token);
        }
        catch (Exception ex)
        {
            LogRemoveFailed(logger, _options.Channel, _options.WorkerId, ex.GetType().Name);
        }
    }

    private WorkerBeat Beat()
    {
        var pauses = worker.Pauses;
        var circuits = worker.Circuits;
        var paused = new List<string>(circuits.Count + 1);
        if (pauses.ChannelPaused)
        {
            paused.Add("");
        }
        paused.AddRange(circuits.Where(c => pauses.ProviderPaused(c.Provider)).Select(c => c.Provider));
        return new WorkerBeat(_options.WorkerId, _options.Channel, Environment.MachineName, Environment.ProcessId, _startedAt,
            [.. circuits.Select(c => new CircuitReading(c.Provider, StatusOf(c)))], paused, worker.IsClaiming);
    }

    /// <summary>
    /// The circuit as people read it: <c>open</c> while it refuses calls (Polly's isolated
    /// included); <c>half_open</c> once the break is over (Polly still says open until the
    /// next call, which is the probe); otherwise <c>closed</c>.
    /// </summary>
    internal static string StatusOf(ProviderCircuitState circuit) => circuit switch
    {
        { Blocking: true } => CircuitStates.Open,
        { Circuit: "halfopen" or "open" } => CircuitStates.HalfOpen,
        _ => CircuitStates.Closed,
    };

    private static DateTimeOffset ProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning,
        Message = "{Channel}: could not write the heartbeat of worker {WorkerId} ({Error}); delivery goes on, the status may not list this worker")]
    private static partial void LogWriteFailed(ILogger logger, string channel, string workerId, string error);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "{Channel}: the heartbeat of worker {WorkerId} is written again")]
    private static partial void LogWritingAgain(ILogger logger, string channel, string workerId);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning,
        Message = "{Channel}: could not remove the heartbeat of worker {WorkerId} at shutdown ({Error}); the status drops it when it is 15 s old")]
    private static partial void LogRemoveFailed(ILogger logger, string channel, string workerId, string error);
}
