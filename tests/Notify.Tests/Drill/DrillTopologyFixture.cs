using Notify.AppHost;
using Notify.Cli.Drill;
using Notify.Tests.Topology;

namespace Notify.Tests.Drill;

/// <summary>
/// The topology the drill needs: two replicas of email and whatsapp, with short leases and
/// reaper interval and a faster email rate so a 1,000-message drill with its kill and recovery
/// ends in a minute or two. The drill kills replicas, so one drill per fixture.
/// </summary>
public sealed class DrillTopologyFixture : TopologyFixture
{
    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        Replicas = new Dictionary<string, int> { ["email"] = 2, ["whatsapp"] = 2 },
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__Lease"] = "00:00:06",
            ["Notify__Delivery__CallTimeout"] = "00:00:03",
            ["Notify__Delivery__ReapInterval"] = "00:00:01",
            ["Notify__Delivery__BatchSize"] = "50",
            // Email's default 10/s would make the 400 emails alone take 40 s plus their 429 pauses.
            ["Notify__Delivery__RatePerSecond"] = "100",
            ["Notify__Delivery__CircuitBreak"] = "00:00:02",
        },
    };

    /// <summary>The drill's view of this topology, found as from endpoints.json: pids and health URLs of each replica.</summary>
    public async Task<DrillTarget> DrillTargetAsync(HttpClient http) => await DrillTarget.DiscoverAsync(
        App.GetEndpoint("ingress", "grpc"),
        Topology.DevelopmentApiKey,
        App.GetEndpoint("sandbox"),
        App.GetConnectionString("notifydb"),
        DrillPlan.Channels.ToDictionary(c => c, c => (IReadOnlyList<(int Pid, Uri HealthDetail)>)
            [.. App.GetProcesses(c).Select(p => (p.Pid, TelemetryLinks.HealthDetail(p)))]),
        http,
        CancellationToken.None);
}
