using Notify.AppHost;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology with settings that let the telemetry tests see a failure in seconds: short
/// retry delays, a circuit that opens after two failures and stays open long enough to be
/// looked at, and the queue read every half second. A topology of its own, because its
/// tests inject provider faults the other classes' tests must not see.
/// </summary>
public sealed class TelemetryTopologyFixture : TopologyFixture
{
    public const int CircuitFailures = 2;
    public static readonly TimeSpan CircuitBreak = TimeSpan.FromSeconds(10);

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__RetryDelays__0"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__1"] = "00:00:00.200",
            ["Notify__Delivery__RetryDelays__2"] = "00:00:00.200",
            ["Notify__Delivery__PollInterval"] = "00:00:00.200",
            ["Notify__Delivery__CircuitFailures"] = CircuitFailures.ToString(),
            ["Notify__Delivery__CircuitBreak"] = CircuitBreak.ToString("c"),
            ["Notify__Delivery__QueueMetricsInterval"] = "00:00:00.500",
        },
    };
}
