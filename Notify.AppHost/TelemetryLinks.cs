using Notify.Hosting;
using Notify.Hosting.Orchestration;
using Notify.Hosting.Servers;

namespace Notify.AppHost;

/// <summary>
/// Where a developer looks at a running topology's telemetry: each process's Prometheus
/// endpoint and detailed health view, the local Prometheus if one runs, and where traces go.
/// Shared by the console hints and endpoints.json so both always say the same.
/// </summary>
public static class TelemetryLinks
{
    public const string PrometheusMissing =
        "not installed; `apt-get install prometheus` and the AppHost starts one scraping every /metrics";

    public static Uri Metrics(ResourceProcess process) => new(process.Endpoints["http"], "/metrics");

    public static Uri HealthDetail(ResourceProcess process) => new(process.Endpoints["http"], "/health/detail");

    /// <summary>The Prometheus UI; null when none was asked for or it is not running.</summary>
    public static Uri? Prometheus(LocalApp app, NotifyTopology topology) =>
        topology.Prometheus is { } resource ? app.FindPrometheusServer(resource.Name)?.Url : null;

    /// <summary>The console lines about telemetry, after the resource table.</summary>
    public static IReadOnlyList<string> Lines(LocalApp app, NotifyTopology topology)
    {
        var lines = new List<string> { "Metrics and health of each process:" };
        foreach (var project in topology.Projects)
        {
            var replicas = app.GetProcesses(project.Name);
            foreach (var process in replicas)
            {
                var name = replicas.Count > 1 ? $"{process.ResourceName}#{process.Replica}" : process.ResourceName;
                lines.Add($"  {name,-10} {Metrics(process)}  {HealthDetail(process)}");
            }
        }
        if (topology.Prometheus is { } prometheus)
        {
            lines.Add(Prometheus(app, topology) is { } url
                ? $"Prometheus:        {url}  (scrapes every /metrics each {prometheus.ScrapeInterval.TotalSeconds:0.#} s; data in {prometheus.Directory})"
                : PrometheusServer.FindBinary() is null
                    ? $"Prometheus:        {PrometheusMissing}"
                    : "Prometheus:        did not start (see its lines above); the processes' /metrics still answer");
        }
        lines.Add(app.Options.OtlpEndpoint is { } otlp
            ? $"Traces (OTLP):     every process exports to {otlp}"
            : "Traces (OTLP):     not exported; --otlp-endpoint URL (or NOTIFY_OTLP_ENDPOINT) sends every process's traces, metrics and logs to your collector");
        return lines;
    }
}
