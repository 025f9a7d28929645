using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Notify.Delivery.Circuits;
using Notify.Delivery.Engine;
using Notify.Delivery.RateLimiting;
using Notify.Delivery.Telemetry;

namespace Notify.Delivery.Health;

/// <summary>
/// The channel's own state for <c>/health/detail</c>: each provider's circuit and pause, whether
/// the channel is paused and the worker claiming, the last queue reading and the rate limit
/// (with Redis fallback). Tagged <see cref="DetailTag"/> so it is left out of <c>/health</c>: an
/// open circuit or a pause is not a reason to take this process out of service. It reads only what the worker,
/// the queue monitor and the limiter already hold; it never queries anything itself.
/// </summary>
public sealed class ChannelHealthCheck(
    DeliveryWorker worker, QueueMonitor queue, IOptions<DeliveryWorkerOptions> options, TimeProvider time, RedisRateLimiter? limiter = null) : IHealthCheck
{
    /// <summary>The tag ServiceDefaults' <c>/health</c> leaves out and <c>/health/detail</c> shows.</summary>
    public const string DetailTag = "detail";

    public const string Name = "channel";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var circuits = worker.Circuits;
        var pauses = worker.Pauses;
        var fallback = limiter?.UsingFallback ?? false;
        var reading = queue.Latest;
        var problems = new List<string>();
        if (!pauses.Known)
        {
            problems.Add("channel controls not read yet");
        }
        else if (pauses.ChannelPaused)
        {
            problems.Add($"paused ({pauses.Channel!.Reason})");
        }
        foreach (var provider in circuits.Where(c => pauses.ProviderPaused(c.Provider)))
        {
            problems.Add($"{provider.Provider} paused");
        }
        foreach (var open in circuits.Where(c => c.Blocking))
        {
            problems.Add($"{open.Provider} circuit open");
        }
        if (fallback)
        {
            problems.Add("Redis unreachable: rate limits on this process's share");
        }
        // Three missed readings: the gauges (and the numbers below) are out of date.
        if (reading is null || time.GetUtcNow() - reading.ObservedAt > queue.Interval * 3)
        {
            problems.Add("queue statistics out of date");
        }

        var data = new Dictionary<string, object>
        {
            ["name"] = settings.Channel,
            ["workerId"] = settings.WorkerId,
            ["claiming"] = worker.IsClaiming,
            // The whole channel's control as this worker last read it (providers carry their own).
            ["paused"] = pauses.ChannelPaused,
            ["providers"] = circuits.Select(c => new ProviderView(c.Provider, c.Circuit, c.Blocking, c.ProbeAt, c.OpenDestinations,
                pauses.ProviderPaused(c.Provider))).ToList(),
            ["queue"] = reading is null ? "not read yet" : new QueueView(reading.ObservedAt, reading.Pending, reading.Retrying,
                reading.Sending, reading.Dead, Math.Round(reading.OldestClaimableAge.TotalSeconds, 3)),
            ["rateLimit"] = new RateLimitView(settings.RatePerSecond, settings.RateBurst, settings.Replicas, fallback),
            // How soon a crashed replica's deliveries come back (the crash drill's bound): lease + reap interval.
            ["leases"] = new LeaseView(settings.Lease.TotalSeconds, settings.ReapInterval.TotalSeconds, settings.CallTimeout.TotalSeconds),
        };
        if (pauses.Channel is { Paused: true } control)
        {
            data["pause"] = new PauseView(control.PausedAt, control.Reason);
        }
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy($"{settings.Channel}: claiming", data)
            : HealthCheckResult.Degraded($"{settings.Channel}: {string.Join("; ", problems)}", data: data));
    }

    /// <summary>A provider's circuit (see <see cref="ProviderCircuitState"/>) and whether it is paused on its own.</summary>
    private sealed record ProviderView(string Provider, string Circuit, bool Blocking, DateTime? ProbeAt, int OpenDestinations, bool Paused);

    /// <summary>Since when and why the channel is paused (the actor is in the control's history, not here).</summary>
    private sealed record PauseView(DateTime? Since, string Reason);

    private sealed record QueueView(DateTimeOffset ObservedAt, long Pending, long Retrying, long Sending, long Dead, double OldestClaimableAgeSeconds);

    /// <summary>How long a claim is held, how often expired ones are reaped, and the most one provider call may take.</summary>
    private sealed record LeaseView(double LeaseSeconds, double ReapIntervalSeconds, double CallTimeoutSeconds);

    /// <summary>The provider rate per key (0: none), its burst, the replicas sharing it, and whether Redis is away.</summary>
    private sealed record RateLimitView(double PerSecond, int Burst, int Replicas, bool RedisFallback);
}
