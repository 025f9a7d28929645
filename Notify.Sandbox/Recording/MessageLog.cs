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
                p => _stats.TryGetValue(p, out var c) ? new ProviderStats(c.Accepted, c.Rejected, c.Duplicates) : new ProviderStats(0, 0, 0),
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
    }
}
