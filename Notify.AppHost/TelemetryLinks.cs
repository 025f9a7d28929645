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
    public const string PrometheusMissing = "not installed; `apt-get install prometheus` to get one here";

    public static Uri Metrics(ResourceProcess process) => new(process.Endpoints[OperatorEndpoint.Name], "/metrics");

    public static Uri HealthDetail(ResourceProcess process) => new(process.Endpoints[OperatorEndpoint.Name], "/health/detail");

    /// <summary>The Prometheus UI; null when none was asked for or it is not running.</summary>
    public static Uri? Prometheus(LocalApp app, NotifyTopology topology) =>
        topology.Prometheus is { } resource ? app.FindPrometheusServer(resource.Name)?.Url : null;

    /// <summary>The console lines about telemetry, after the resource table.</summary>
    public static IReadOnlyList<string> Lines(LocalApp app, NotifyTopology topology)
    {
        var processes = topology.Projects.SelectMany(p => app.GetProcesses(p.Name)).ToList();
        string Name(ResourceProcess p) =>
            app.GetProcesses(p.ResourceName).Count > 1 ? $"{p.ResourceName}#{p.Replica}" : p.ResourceName;
        var lines = new List<string> { "Metrics (Prometheus text):" };
        lines.AddRange(processes.Select(p => $"  {Name(p),-10} {Metrics(p)}"));
        lines.Add("Health detail (circuits, queue, rate limit):");
        lines.AddRange(processes.Select(p => $"  {Name(p),-10} {HealthDetail(p)}"));
        if (topology.Prometheus is { } prometheus)
        {
            lines.Add(Prometheus(app, topology) is { } url
                ? $"Prometheus:        {url}  (every /metrics, each {prometheus.ScrapeInterval.TotalSeconds:0.#} s)"
                : PrometheusServer.FindBinary() is null
                    ? $"Prometheus:        {PrometheusMissing}"
                    : "Prometheus:        did not start (see its lines above)");
        }
        lines.Add(app.Options.OtlpEndpoint is { } otlp
            ? $"Traces (OTLP):     every process exports to {otlp}"
            : "Traces (OTLP):     off; --otlp-endpoint URL or NOTIFY_OTLP_ENDPOINT");
        return lines;
    }
}
