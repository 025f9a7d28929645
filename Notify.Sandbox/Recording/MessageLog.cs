namespace Notify.Sandbox.Recording;

/// <summary>
/// What arrived at the sandbox, in memory. Accepted messages are kept with their delivery id so
/// tests can see how many times Notify sent the same delivery; rejections are only counted.
/// </summary>
public sealed class MessageLog(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly List<RecordedMessage> _messages = [];
    private readonly Dictionary<(string Provider, string DeliveryId), int> _arrivals = [];
    private readonly Dictionary<string, Counters> _stats = new(StringComparer.Ordinal);
    private readonly HashSet<(string Provider, string DeliveryId)> _throttledFirst = [];

    public RecordedMessage Accept(string provider, string recipient, string? deliveryId, string providerMessageId, string? traceparent = null)
    {
        lock (_lock)
        {
            var arrival = 1;
            if (deliveryId is not null)
            {
                arrival = _arrivals.GetValueOrDefault((provider, deliveryId)) + 1;
                _arrivals[(provider, deliveryId)] = arrival;
            }
            var counters = CountersOf(provider);
            counters.Accepted++;
            if (arrival > 1)
            {
                counters.Duplicates++;
            }
            var message = new RecordedMessage(provider, recipient, deliveryId, providerMessageId, time.GetUtcNow(), arrival) { Traceparent = traceparent };
            _messages.Add(message);
            return message;
        }
    }

    public void Reject(string provider)
    {
        lock (_lock)
        {
            CountersOf(provider).Rejected++;
        }
    }

    /// <summary>Counts a first arrival answered 429 on purpose (<c>throttleFirstArrivalPercent</c>); also a rejection.</summary>
    public void FirstArrivalThrottled(string provider, string deliveryId)
    {
        lock (_lock)
        {
            var counters = CountersOf(provider);
            counters.Rejected++;
            counters.FirstArrivalsThrottled++;
            _throttledFirst.Add((provider, deliveryId));
        }
    }

    /// <summary>
    /// How often each delivery id arrived, by provider: accepted arrivals and whether its first
    /// arrival was throttled. Only ids with at least <paramref name="minArrivals"/> accepted
    /// arrivals (0: every id seen, throttled ones included); ordered by provider and id.
    /// </summary>
    public IReadOnlyList<DeliveryArrivals> Arrivals(string? provider, int minArrivals)
    {
        lock (_lock)
        {
            return _arrivals.Keys.Union(_throttledFirst)
                .Where(k => provider is null || k.Provider == provider)
                .Select(k => new DeliveryArrivals(k.Provider, k.DeliveryId, _arrivals.GetValueOrDefault(k), _throttledFirst.Contains(k)))
                .Where(a => a.Arrivals >= minArrivals)
                .OrderBy(a => a.Provider, StringComparer.Ordinal).ThenBy(a => a.DeliveryId, StringComparer.Ordinal)
                .ToList();
        }
    }

    public IReadOnlyList<RecordedMessageView> Find(string? provider, string? deliveryId)
    {
        lock (_lock)
        {
            return _messages
                .Where(m => (provider is null || m.Provider == provider) && (deliveryId is null || m.DeliveryId == deliveryId))
                .Select(m => new RecordedMessageView(
                    m.Provider, m.Recipient, m.DeliveryId, m.ProviderMessageId, m.ReceivedAt, m.Arrival,
                    m.DeliveryId is null ? 1 : _arrivals[(m.Provider, m.DeliveryId)]) { Traceparent = m.Traceparent })
                .ToList();
        }
    }

    public IReadOnlyDictionary<string, ProviderStats> Stats(IEnumerable<string> providers)
    {
        lock (_lock)
        {
            return providers.ToDictionary(
                p => p,
                p => _stats.TryGetValue(p, out var c) ? new ProviderStats(c.Accepted, c.Rejected, c.Duplicates, c.FirstArrivalsThrottled) : new ProviderStats(0, 0, 0, 0),
                StringComparer.Ordinal);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _messages.Clear();
            _arrivals.Clear();
            _stats.Clear();
            _throttledFirst.Clear();
        }
    }

    private Counters CountersOf(string provider)
    {
        if (!_stats.TryGetValue(provider, out var counters))
        {
            _stats[provider] = counters = new Counters();
        }
        return counters;
    }

    private sealed class Counters
    {
        public long Accepted;
        public long Rejected;
        public long Duplicates;
        public long FirstArrivalsThrottled;
    }
}
