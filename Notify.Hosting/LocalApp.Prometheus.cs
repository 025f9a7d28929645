using Notify.Hosting.Model;
using Notify.Hosting.Orchestration;
using Notify.Hosting.Servers;

namespace Notify.Hosting;

public sealed partial class LocalApp
{
    /// <summary>The running Prometheus named <paramref name="name"/>; null when it is not installed (or did not start).</summary>
    public PrometheusServer? FindPrometheusServer(string name) => _prometheus.GetValueOrDefault(name);

    /// <summary>What a Prometheus of this app scrapes: every project replica's <paramref name="endpointName"/> endpoint.</summary>
    public IReadOnlyList<ScrapeTarget> ScrapeTargets(string endpointName = "http") =>
        [.. Projects.SelectMany(p => _processes.GetValueOrDefault(p.Name) ?? [])
            .Where(r => r.Endpoints.ContainsKey(endpointName))
            .Select(r => new ScrapeTarget(r.ResourceName, r.Replica, r.Endpoints[endpointName]))];

    /// <summary>
    /// Starts each declared Prometheus once the projects are up (their ports are in its
    /// configuration). It is a viewer, not part of the system: when the binary is missing or it
    /// fails to start, the app runs on without it and the status says so.
    /// </summary>
    private async Task StartPrometheusAsync(CancellationToken cancellationToken)
    {
        foreach (var resource in _resources.OfType<PrometheusResource>())
        {
            var binary = PrometheusServer.FindBinary();
            if (binary is null)
            {
                continue;
            }
            Status($"Starting {resource.Name}…");
            try
            {
                var server = await PrometheusServer.StartAsync(new PrometheusServerOptions
                {
                    Binary = binary,
                    Directory = resource.Directory,
                    Configuration = PrometheusScrapeConfig.Render(ScrapeTargets(resource.ScrapeEndpoint), resource.ScrapeInterval, resource.MetricsPath),
                    Port = resource.Port,
                    Name = resource.Name,
                    OnLog = _options.OnLog,
                    StartTimeout = _options.WaitTimeout,
                }, cancellationToken);
                _prometheus[resource.Name] = server;
                _state.Record(resource.Name, new StateFile.Entry(resource.Name, server.Pid, server.Signature, IsPostgres: false));
                Status($"{resource.Name} is ready on {server.Url}.");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Status($"{resource.Name} did not start ({ex.Message}); running without it.");
            }
        }
    }

    private async Task StopPrometheusAsync()
    {
        await Task.WhenAll(_prometheus.Values.Select(p => p.DisposeAsync().AsTask()));
        _prometheus.Clear();
    }
}
