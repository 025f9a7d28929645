using Microsoft.Extensions.Time.Testing;
using Notify.Delivery.Circuits;
using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Outbox.Claiming;

namespace Notify.Tests.Delivery;

/// <summary>The breaker counts failures in a row, whatever came before them.</summary>
public sealed class ProviderCircuitTests
{
    private static readonly ProviderResult Down = new(ProviderOutcome.Retryable, ErrorCode: "503");

    [Fact]
    public async Task A_provider_that_was_healthy_opens_after_five_failures_in_a_row()
    {
        var (circuit, provider) = Create();
        for (var i = 0; i < 20; i++)
        {
            await circuit.SendAsync(provider, Delivery(), new Notify.Grpc.V1.Content(), CancellationToken.None);
        }

        provider.FailNext(5, Down);
        for (var i = 0; i < 5; i++)
        {
            await circuit.SendAsync(provider, Delivery(), new Notify.Grpc.V1.Content(), CancellationToken.None);
        }

        Assert.True(circuit.IsOpen);
    }

    [Fact]
    public async Task A_success_between_failures_starts_the_count_again()
    {
        var (circuit, provider) = Create();
        provider.FailNext(4, Down);
        for (var i = 0; i < 5; i++)
        {
            await circuit.SendAsync(provider, Delivery(), new Notify.Grpc.V1.Content(), CancellationToken.None);
        }
        provider.FailNext(4, Down);
        for (var i = 0; i < 4; i++)
        {
            await circuit.SendAsync(provider, Delivery(), new Notify.Grpc.V1.Content(), CancellationToken.None);
        }

        Assert.False(circuit.IsOpen);
    }

    private static (ProviderCircuit, ScriptedProvider) Create() =>
        (new ProviderCircuit(new DeliveryWorkerOptions { Channel = "push", CircuitFailures = 5 }, new FakeTimeProvider()), new ScriptedProvider());

    private static ClaimedDelivery Delivery() => new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "push", "r", null, 0, 4, 1,
        DateTime.UtcNow.AddMinutes(1), null, null, null, null, null, null, null);
}
