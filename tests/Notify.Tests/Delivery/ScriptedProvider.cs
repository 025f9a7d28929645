using System.Collections.Concurrent;
using Notify.Delivery.Providers;
using Notify.Outbox.Claiming;

namespace Notify.Tests.Delivery;

/// <summary>
/// A provider whose answers a test scripts per recipient, and which counts every call per
/// delivery. It stands in for the engine's provider interface only; provider protocols are
/// tested against the provider sandbox.
/// </summary>
public sealed class ScriptedProvider(TimeSpan? delay = null) : IDeliveryProvider
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ProviderResult>> _scripts = new();

    public ConcurrentDictionary<Guid, int> Calls { get; } = new();

    public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => "scripted";

    /// <summary>The next calls for this recipient answer these, in order; after that, Sent.</summary>
    public void Script(string recipient, params ProviderResult[] results)
        => _scripts[recipient] = new ConcurrentQueue<ProviderResult>(results);

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        FirstCallStarted.TrySetResult();
        Calls.AddOrUpdate(delivery.Id, 1, (_, n) => n + 1);
        if (delay is { } wait)
        {
            await Task.Delay(wait, cancellationToken);
        }
        return _scripts.TryGetValue(delivery.Recipient, out var queue) && queue.TryDequeue(out var scripted)
            ? scripted
            : ProviderResult.Sent("prov-" + delivery.Id.ToString("N")[..12], 202);
    }
}
