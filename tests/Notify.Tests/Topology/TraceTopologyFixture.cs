using Notify.AppHost;
using Notify.Tests.Infrastructure.Otlp;

namespace Notify.Tests.Topology;

/// <summary>
/// The topology with every process exporting to a test OTLP collector over OTLP/HTTP
/// (protobuf), the way Aspire points services at its dashboard: through
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.
/// </summary>
public sealed class TraceTopologyFixture : TopologyFixture
{
    /// <summary>The test classes that share this topology (traces, receipts).</summary>
    public const string Collection = "traced topology";

    public OtlpReceiver Collector { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Collector = await OtlpReceiver.StartAsync();
        await base.InitializeAsync();
    }

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        OtlpEndpoint = Collector.Endpoint,
        OtlpProtocol = OtlpReceiver.Protocol,
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Collector is not null)
        {
            await Collector.DisposeAsync();
        }
    }
}

[CollectionDefinition(TraceTopologyFixture.Collection)]
public sealed class TraceTopologyCollection : ICollectionFixture<TraceTopologyFixture>;
