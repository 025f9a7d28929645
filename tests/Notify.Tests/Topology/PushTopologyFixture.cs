using Notify.AppHost;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology for the push tests: retries 200 ms apart (unless a provider says when), a
/// two-second call timeout, and a ten-second circuit break, so outages and recoveries fit in a test.
/// </summary>
public sealed class PushTopologyFixture : TopologyFixture
{
    public static readonly TimeSpan CircuitBreak = TimeSpan.FromSeconds(10);

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__RetryDelays__0"] = "00:00:00.200",
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
            ["Notify__Delivery__CallTimeout"] = "00:00:05",
            ["Notify__Delivery__Lease"] = "00:00:20",
            ["Notify__Delivery__CircuitBreak"] = CircuitBreak.ToString("c"),
        },
    };
}
