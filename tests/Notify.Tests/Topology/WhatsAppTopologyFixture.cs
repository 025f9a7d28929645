using Notify.AppHost;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology with settings that let WhatsApp's failure paths play out in seconds: short
/// retry delays, a circuit that opens after three failures and breaks for five seconds, and a
/// call timeout shorter than the sandbox's injected hangs.
/// </summary>
public sealed class WhatsAppTopologyFixture : TopologyFixture
{
    public const int CircuitFailures = 3;
    public static readonly TimeSpan CircuitBreak = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

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
            ["Notify__Delivery__CallTimeout"] = CallTimeout.ToString("c"),
            ["Notify__Delivery__Lease"] = "00:00:20",
        },
        // These tests watch the sending path and wait for SENT; the sandbox's status webhooks
        // would move a delivery on to DELIVERED and READ a few hundred milliseconds later.
        SandboxEnvironment = new Dictionary<string, string> { ["Sandbox__Receipts__Enabled"] = "false" },
    };
}
