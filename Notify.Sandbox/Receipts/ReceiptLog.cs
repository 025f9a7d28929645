namespace Notify.Sandbox.Receipts;

/// <summary>
/// Every receipt the sandbox planned, in memory, for the control API and for resends. A reset
/// starts a new generation: receipts of messages accepted before it are forgotten and the sender
/// drops whatever of theirs it has not sent yet.
/// </summary>
public sealed class ReceiptLog
{
    /// <summary>Only the newest are kept, like the webhook inbox: a long run must not grow without bound.</summary>
    private const int Capacity = 50_000;

    private readonly Lock _lock = new();
    private readonly LinkedList<Receipt> _receipts = [];
    private long _generation;

    public long Generation
    {
        get
        {
            lock (_lock)
            {
                return _generation;
            }
        }
    }

    /// <summary>Adds a message's planned receipts, unless a reset happened since <paramref name="generation"/>.</summary>
    public bool Add(IEnumerable<Receipt> receipts, long generation)
    {
        lock (_lock)
        {
            if (generation != _generation)
            {
                return false;
            }
            foreach (var receipt in receipts)
            {
                _receipts.AddLast(receipt);
                if (_receipts.Count > Capacity)
                {
                    _receipts.RemoveFirst();
                }
            }
            return true;
        }
    }

    public void Tried(Receipt receipt, int? status, DateTimeOffset at)
    {
        lock (_lock)
        {
            receipt.Tried(status, at);
        }
    }

    public IReadOnlyList<ReceiptView> Find(string? deliveryId, string? provider)
    {
        lock (_lock)
        {
            return _receipts
                .Where(r => (deliveryId is null || r.DeliveryId == deliveryId) && (provider is null || r.Provider == provider))
                .Select(r => new ReceiptView(r.Provider, r.DeliveryId, r.ProviderMessageId, r.Event, r.Url, r.Status, r.Tries, r.SentAt))
                .ToList();
        }
    }

    /// <summary>The receipts of a delivery sent at least once, in the order they were planned.</summary>
    public IReadOnlyList<Receipt> SentFor(string deliveryId)
    {
        lock (_lock)
        {
            return _receipts.Where(r => r.DeliveryId == deliveryId && r.Tries > 0).ToList();
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _receipts.Clear();
            _generation++;
        }
    }
}
