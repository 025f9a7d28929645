using System.Collections.Concurrent;
using Notify.Delivery.Providers;
using Notify.Outbox.Claiming;

namespace Notify.Tests.Delivery;

/// <summary>
/// A provider whose answers a test scripts per recipient, and which counts every call per
/// delivery. It stands in for the engine's provider interface only; provider protocols are
/// tested against the provider sandbox.
/// </summary>
public sealed class ScriptedProvider(TimeSpan? delay = null, string name = "scripted", Func<ClaimedDelivery, bool>? handles = null,
    Func<ClaimedDelivery, string>? circuitKey = null) : IDeliveryProvider
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ProviderResult>> _scripts = new();

    private int _failuresLeft;
    private ProviderResult? _failure;

    public ConcurrentDictionary<Guid, int> Calls { get; } = new();

    public int TotalCalls => Calls.Values.Sum();

    /// <summary>When each call started (Stopwatch ticks), to check rates.</summary>
    public ConcurrentQueue<long> CallTimes { get; } = new();

    public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => name;

    public bool Handles(ClaimedDelivery delivery) => handles?.Invoke(delivery) ?? true;

    public string CircuitKey(ClaimedDelivery delivery) => circuitKey?.Invoke(delivery) ?? Name;

    /// <summary>The next calls for this recipient answer these, in order; after that, Sent.</summary>
    public void Script(string recipient, params ProviderResult[] results)
        => _scripts[recipient] = new ConcurrentQueue<ProviderResult>(results);

    /// <summary>Recipients whose next call throws (a provider bug), once each.</summary>
    public ConcurrentDictionary<string, bool> ThrowOnce { get; } = new();

    /// <summary>The next <paramref name="count"/> calls, whatever the recipient, answer <paramref name="result"/> (an outage).</summary>
    public void FailNext(int count, ProviderResult result)
    {
        _failure = result;
        Volatile.Write(ref _failuresLeft, count);
    }

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Notify.Grpc.V1.Content content, CancellationToken cancellationToken)
    {
        FirstCallStarted.TrySetResult();
        CallTimes.Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
        Calls.AddOrUpdate(delivery.Id, 1, (_, n) => n + 1);
        if (delay is { } wait)
        {
            await Task.Delay(wait, cancellationToken);
        }
        if (ThrowOnce.TryRemove(delivery.Recipient, out _))
        {
            throw new InvalidOperationException("provider bug");
        }
        if (_failure is { } failure && Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            return failure;
        }
        return _scripts.TryGetValue(delivery.Recipient, out var queue) && queue.TryDequeue(out var scripted)
            ? scripted
            : ProviderResult.Sent("prov-" + delivery.Id.ToString("N")[..12], 202);
    }
}
