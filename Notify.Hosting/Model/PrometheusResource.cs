namespace Notify.Hosting.Model;

/// <summary>
/// A local Prometheus scraping every project replica's metrics endpoint: the stand-in for the
/// Aspire dashboard's metrics view. Optional by nature: it starts only when Debian's
/// <c>prometheus</c> binary is installed (PATH or <c>/usr/bin/prometheus</c>); otherwise the
/// app runs without it and <see cref="LocalApp.FindPrometheusServer"/> returns null.
/// </summary>
public sealed class PrometheusResource(string name, string defaultDirectory) : ILocalResource
{
    public string Name { get; } = name;

    /// <summary>Holds the generated <c>prometheus.yml</c> and the TSDB (<c>data/</c>).</summary>
    public string Directory { get; private set; } = defaultDirectory;

    /// <summary>Loopback port of the web UI and API; 0 picks a free one.</summary>
    public int Port { get; private set; }

    public TimeSpan ScrapeInterval { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>The path scraped on each project's <see cref="ScrapeEndpoint"/>.</summary>
    public string MetricsPath { get; private set; } = "/metrics";

    /// <summary>The endpoint scraped on every project replica that has one (<c>http</c> unless told).</summary>
    public string ScrapeEndpoint { get; private set; } = "http";

    public PrometheusResource WithScrapeInterval(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromMilliseconds(1));
        ScrapeInterval = interval;
        return this;
    }

    public PrometheusResource WithMetricsPath(string path)
    {
        MetricsPath = path;
        return this;
    }

    public PrometheusResource WithScrapeEndpoint(string endpointName)
    {
        ScrapeEndpoint = endpointName;
        return this;
    }

    public PrometheusResource WithPort(int port)
    {
        Port = port;
        return this;
    }

    public PrometheusResource WithDataDirectory(string path)
    {
        Directory = Path.GetFullPath(path);
        return this;
    }
}
