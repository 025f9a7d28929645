using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;

namespace Notify.DrainBench;

/// <summary>Scenario (a): the work is nothing; measures the engine and the database alone.</summary>
public sealed class NoopProvider(DrainProbe probe) : IDeliveryProvider
{
    private static readonly Task<ProviderResult> Accepted = Task.FromResult(ProviderResult.Sent("noop"));

    public string Name => "noop";

    public Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        probe.Handled();
        return Accepted;
    }
}
