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

    [Fact]
    public async Task Five_failures_answered_at_the_same_moment_after_a_success_open_the_circuit()
    {
        // Calls run concurrently in a worker: the first failure after a success clears the
        // breaker's window, and that must not erase the failures answered alongside it.
        for (var round = 0; round < 200; round++)
        {
            var circuit = new ProviderCircuit(new DeliveryWorkerOptions { Channel = "push", CircuitFailures = 5 }, new FakeTimeProvider());
            var gate = new GatedProvider();
            await circuit.SendAsync(new ScriptedProvider(), Delivery(), new Notify.Grpc.V1.Content(), CancellationToken.None);

            var calls = Enumerable.Range(0, 5)
                .Select(_ => Task.Run(() => circuit.SendAsync(gate, Delivery(), new Notify.Grpc.V1.Content(), CancellationToken.None)))
                .ToArray();
            await gate.WaitForCallsAsync(5);
            gate.Answer(Down);
            await Task.WhenAll(calls);

            Assert.True(circuit.IsOpen, $"round {round}: the circuit stayed {circuit.State} after five failures in a row");
        }
    }

    /// <summary>A provider whose calls all wait, then get the same answer at once.</summary>
    private sealed class GatedProvider : IDeliveryProvider
    {
        private readonly TaskCompletionSource<ProviderResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public string Name => "gated";

        public Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Notify.Grpc.V1.Content content, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return _answer.Task;
        }

        public async Task WaitForCallsAsync(int count)
        {
            while (Volatile.Read(ref _calls) < count)
            {
                await Task.Delay(1);
            }
        }

        public void Answer(ProviderResult result) => _answer.SetResult(result);
    }

    private static (ProviderCircuit, ScriptedProvider) Create() =>
        (new ProviderCircuit(new DeliveryWorkerOptions { Channel = "push", CircuitFailures = 5 }, new FakeTimeProvider()), new ScriptedProvider());

    private static ClaimedDelivery Delivery() => new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "push", "r", null, 0, 4, 1,
        DateTime.UtcNow.AddMinutes(1), null, null, null, null, null, null, null);
}
