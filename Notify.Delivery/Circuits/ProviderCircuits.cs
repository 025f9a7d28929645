using System.Collections.Concurrent;
using Notify.Delivery.Engine;

namespace Notify.Delivery.Circuits;

/// <summary>
/// The circuits of one provider: the provider-wide one (key = the provider's name), and one
/// per key for providers that break per destination (webhook endpoints). Keyed circuits
/// that are closed and idle are dropped once there are many, so a stream of one-off
/// endpoints cannot grow the map without bound.
/// </summary>
public sealed class ProviderCircuits(string providerName, DeliveryWorkerOptions options, TimeProvider time)
{
    private const int MaxKeyed = 10_000;

    private readonly ConcurrentDictionary<string, ProviderCircuit> _keyed = new(StringComparer.Ordinal);

    public ProviderCircuit ProviderWide { get; } = new(options, time);

    public ProviderCircuit For(string key)
    {
        if (key == providerName)
        {
            return ProviderWide;
        }
        if (_keyed.TryGetValue(key, out var circuit))
        {
            return circuit;
        }
        if (_keyed.Count >= MaxKeyed)
        {
            foreach (var (idleKey, idle) in _keyed)
            {
                if (idle.State == "closed")
                {
                    _keyed.TryRemove(idleKey, out _);
                }
            }
        }
        return _keyed.GetOrAdd(key, _ => new ProviderCircuit(options, time));
    }

    /// <summary>Keyed circuits open now (for the detailed health view and metrics).</summary>
    public int OpenKeyed => _keyed.Values.Count(c => c.IsOpen);
}
