using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Notify.ServiceDefaults.Health;

/// <summary>
/// Logs each health check's <em>changes</em> of status, once each, instead of the framework's
/// line (with a stack trace) for every failing check on every probe: an orchestrator probing
/// every few seconds while Redis is down would otherwise write an error storm that buries the
/// one line saying what happened. Wraps the framework's <see cref="HealthCheckService"/>, so
/// the checks run only when something asks (no extra pings), and every caller (/health,
/// /health/detail, publishers) feeds the same record.
/// </summary>
internal sealed partial class HealthTransitionLog(HealthCheckService inner, ILogger<HealthTransitionLog> logger) : HealthCheckService
{
    /// <summary>The framework's logger category, silenced in favour of this one.</summary>
    public const string FrameworkCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    private readonly Dictionary<string, HealthStatus> _last = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public override async Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
    {
        var report = await inner.CheckHealthAsync(predicate, cancellationToken);
        foreach (var (name, entry) in report.Entries)
        {
            HealthStatus? previous;
            lock (_gate)
            {
                previous = _last.TryGetValue(name, out var known) ? known : null;
                _last[name] = entry.Status;
            }
            if (previous == entry.Status || (previous is null && entry.Status == HealthStatus.Healthy))
            {
                continue;
            }
            // The exception's type only: its message can be long (StackExchange.Redis prints its
            // whole state) and the description says what an operator needs.
            var reason = entry.Description ?? entry.Exception?.GetType().Name ?? "no description";
            if (entry.Status == HealthStatus.Healthy)
            {
                LogRecovered(logger, name, previous!.Value);
            }
            else
            {
                LogChanged(logger, name, entry.Status, reason);
            }
        }
        return report;
    }

    /// <summary>Wraps the registered <see cref="HealthCheckService"/> (the framework's internal default).</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(HealthCheckService));
        if (registered?.ImplementationType is not { } implementation || implementation == typeof(HealthTransitionLog))
        {
            return;
        }
        services.Remove(registered);
        services.AddSingleton<HealthCheckService>(sp => new HealthTransitionLog(
            (HealthCheckService)ActivatorUtilities.CreateInstance(sp, implementation),
            sp.GetRequiredService<ILogger<HealthTransitionLog>>()));
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Health check {Check} is now {Status}: {Reason}")]
    private static partial void LogChanged(ILogger logger, string check, HealthStatus status, string reason);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Health check {Check} is Healthy again (was {Previous})")]
    private static partial void LogRecovered(ILogger logger, string check, HealthStatus previous);
}
