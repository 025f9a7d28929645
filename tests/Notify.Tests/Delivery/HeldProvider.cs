using System.Collections.Concurrent;
using Notify.Delivery.Providers;
using Notify.Outbox.Claiming;

namespace Notify.Tests.Delivery;

/// <summary>A provider that accepts at once, except the deliveries <c>hold</c> picks, which wait until <see cref="Release"/>.</summary>
public sealed class HeldProvider(Func<ClaimedDelivery, bool> hold) : IDeliveryProvider
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    public ConcurrentDictionary<Guid, int> Calls { get; } = new();

    public int Held => Volatile.Read(ref _held);

    public string Name => "held";

    public void Release() => _released.TrySetResult();

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Notify.Grpc.V1.Content content, CancellationToken cancellationToken)
    {
        Calls.AddOrUpdate(delivery.Id, 1, (_, n) => n + 1);
        if (hold(delivery))
        {
            Interlocked.Increment(ref _held);
            await _released.Task.WaitAsync(cancellationToken);
        }
        return ProviderResult.Sent("held-" + delivery.Id.ToString("N")[..12], 202);
    }
}
