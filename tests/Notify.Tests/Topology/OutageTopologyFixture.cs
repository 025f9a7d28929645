using Notify.AppHost;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology for the outage drills of issue 6: Redis killed under load, a provider down for
/// a minute. SMS is held to a rate the tests can reason about (the per-process fallback limit
/// while Redis is away is the same figure, with one replica), retries come quickly, and the
/// circuit breaks for ten seconds so a minute's outage sees several probes. The sandbox sends
/// no receipts: the drills count provider arrivals, not receipts. A topology of its own,
/// because killing Redis and taking Twilio down would break every other class's tests.
/// </summary>
public sealed class OutageTopologyFixture : TopologyFixture
{
    public const double RatePerSecond = 10;
    public const int RateBurst = 5;
    public const int CircuitFailures = 5;
    public static readonly TimeSpan CircuitBreak = TimeSpan.FromSeconds(10);

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__RatePerSecond"] = RatePerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notify__Delivery__RateBurst"] = RateBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notify__Delivery__RetryDelays__0"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__1"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__2"] = "00:00:00.200",
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
            ["Notify__Delivery__CircuitFailures"] = CircuitFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notify__Delivery__CircuitBreak"] = CircuitBreak.ToString("c"),
            ["Notify__Delivery__QueueMetricsInterval"] = "00:00:00.500",
        },
        SandboxEnvironment = new Dictionary<string, string>
        {
            ["Sandbox__Receipts__Enabled"] = "false",
        },
    };
}
