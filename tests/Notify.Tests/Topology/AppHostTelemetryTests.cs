using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Notify.AppHost;
using Notify.Hosting;
using Notify.Hosting.Servers;

namespace Notify.Tests.Topology;

/// <summary>
/// What the AppHost tells a developer about telemetry, on a real (channel-less) topology run as
/// the AppHost runs it, with a local Prometheus asked for and an OTLP collector named. Which
/// Prometheus branch runs depends on the machine: with Debian's <c>prometheus</c> installed it
/// must be running and scraping every process; without it the app runs on and says how to get it.
/// </summary>
public sealed class AppHostTelemetryTests : IAsyncLifetime
{
    // Nothing listens there: the processes' exports fail quietly; what is checked is that
    // every process was told where to send them.
    private const string Collector = "http://127.0.0.1:4317";
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "notify-apphost-telemetry-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ConcurrentQueue<string> _status = new();
    private LocalApp _app = null!;
    private NotifyTopology _topology = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = LocalApp.CreateBuilder(["--otlp-endpoint", Collector]);
        builder.Options.OnStatus = _status.Enqueue;
        builder.Options.WaitTimeout = TimeSpan.FromMinutes(2);
        _topology = NotifyAppModel.Configure(builder, new NotifyAppModelOptions
        {
            StateDirectory = _stateDirectory,
            DurablePostgres = false,
            PersistentPostgres = false,
            IncludeChannels = false,
            Prometheus = true,
        });
        _app = builder.Build();
        await _app.StartAsync();
        await EndpointsFile.WriteAsync(_app, _topology);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_console_and_endpoints_json_say_where_metrics_health_prometheus_and_traces_are()
    {
        var lines = TelemetryLinks.Lines(_app, _topology);
        var endpoints = JsonNode.Parse(await File.ReadAllTextAsync(_topology.EndpointsFilePath))!;
        using var http = new HttpClient();

        foreach (var name in new[] { "ingress", "sandbox" })
        {
            var metrics = endpoints["resources"]![name]!["metrics"]!.GetValue<string>();
            var detail = endpoints["resources"]![name]!["healthDetail"]!.GetValue<string>();
            Assert.Contains(lines, l => l.Contains(name) && l.EndsWith(metrics));
            Assert.Contains(lines, l => l.Contains(name) && l.EndsWith(detail));
            Assert.Contains("# TYPE", await http.GetStringAsync(metrics));
            var view = await http.GetFromJsonAsync<JsonElement>(detail);
            Assert.True(view.GetProperty("ready").GetBoolean());
        }

        Assert.Contains(lines, l => l.Contains($"every process exports to {Collector}"));
        Assert.Equal(Collector, endpoints["telemetry"]!["otlpEndpoint"]!.GetValue<string>());
        Assert.All(["ingress", "sandbox"], name => Assert.Equal(Collector, _app.GetProcess(name).Environment["OTEL_EXPORTER_OTLP_ENDPOINT"]));

        var prometheus = _app.FindPrometheusServer("prometheus");
        if (PrometheusServer.FindBinary() is null)
        {
            Assert.Null(prometheus);
            Assert.Single(lines, l => l.Contains("apt-get install prometheus"));
            Assert.Null(endpoints["telemetry"]!["prometheus"]);
            Assert.Equal("Not installed", _app.Describe().Single(r => r.Name == "prometheus").State);
        }
        else
        {
            Assert.NotNull(prometheus);
            Assert.Contains(lines, l => l.Contains(prometheus.Url.ToString()));
            Assert.Equal(prometheus.Url.ToString(), endpoints["telemetry"]!["prometheus"]!.GetValue<string>());
            // Prometheus knows every process as a target once its discovery has run (a few
            // seconds after it is ready); scrape results come later.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            string targets;
            while (!(targets = await http.GetStringAsync(new Uri(prometheus.Url, "/api/v1/targets"))).Contains("\"job\":\"sandbox\"")
                   && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
            Assert.Contains("\"job\":\"ingress\"", targets);
            Assert.Contains("\"job\":\"sandbox\"", targets);
        }
    }
}
