using Notify.Delivery.Circuits;
using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Outbox.Claiming;

namespace Notify.Tests.Delivery;

/// <summary>The breaker counts failures in a row, whatever succeeded before them.</summary>
public sealed class ProviderCircuitTests
{
    private static readonly ClaimedDelivery Delivery = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "email", "ada@example.com",
        null, 0, 6, 1, DateTime.UtcNow.AddMinutes(1), null, null, null, null, null, null, null);

    [Fact]
    public async Task Failures_in_a_row_open_the_circuit_after_earlier_successes()
    {
        var circuit = new ProviderCircuit(new DeliveryWorkerOptions { CircuitFailures = 3 }, TimeProvider.System);
        var provider = new ScriptedProvider();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(ProviderOutcome.Sent, (await circuit.SendAsync(provider, Delivery, new(), CancellationToken.None))!.Outcome);
        }
        provider.FailNext(3, new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503"));
        for (var i = 0; i < 3; i++)
        {
            await circuit.SendAsync(provider, Delivery, new(), CancellationToken.None);
        }

        Assert.True(circuit.IsOpen);
    }

    [Fact]
    public async Task A_success_between_failures_restarts_the_count()
    {
        var circuit = new ProviderCircuit(new DeliveryWorkerOptions { CircuitFailures = 3 }, TimeProvider.System);
        var provider = new ScriptedProvider();

        provider.FailNext(2, new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503"));
        await circuit.SendAsync(provider, Delivery, new(), CancellationToken.None);
        await circuit.SendAsync(provider, Delivery, new(), CancellationToken.None);
        await circuit.SendAsync(provider, Delivery, new(), CancellationToken.None);
        provider.FailNext(2, new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503"));
        await circuit.SendAsync(provider, Delivery, new(), CancellationToken.None);
        await circuit.SendAsync(provider, Delivery, new(), CancellationToken.None);

        Assert.False(circuit.IsOpen);
    }
}
