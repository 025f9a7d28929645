namespace Notify.Outbox.Retention;

/// <summary>Rows per table (live table names; for the archive, the archive table of that name).</summary>
public sealed record TableCounts(long Notifications, long Deliveries, long DeliveryAttempts, long ReceiptEvents)
{
    public static readonly TableCounts Zero = new(0, 0, 0, 0);

    public long Total => Notifications + Deliveries + DeliveryAttempts + ReceiptEvents;

    public static TableCounts operator +(TableCounts a, TableCounts b) => new(
        a.Notifications + b.Notifications, a.Deliveries + b.Deliveries,
        a.DeliveryAttempts + b.DeliveryAttempts, a.ReceiptEvents + b.ReceiptEvents);

    /// <summary>(table, count) pairs, for metrics and logs.</summary>
    public IEnumerable<(string Table, long Count)> ByTable()
    {
        yield return ("notifications", Notifications);
        yield return ("deliveries", Deliveries);
        yield return ("delivery_attempts", DeliveryAttempts);
        yield return ("receipt_events", ReceiptEvents);
    }
}

/// <summary>What one cleanup run did.</summary>
/// <param name="Ran">False when another process held the cleanup lock: this run did nothing.</param>
/// <param name="Deleted">Rows deleted from the live tables.</param>
/// <param name="Archived">Of those, rows copied into <c>notify_archive</c> first.</param>
/// <param name="Purged">Rows the archive purge deleted from <c>notify_archive</c>.</param>
/// <param name="Batches">Batches (transactions) the run used, at most <see cref="RetentionRun.MaxBatches"/>.</param>
/// <param name="MoreRemaining">
/// The run stopped at <see cref="RetentionRun.MaxBatches"/> with a full last batch: rows may be
/// left for the next run (which carries on where this one stopped).
/// </param>
public sealed record RetentionResult(
    bool Ran, TableCounts Deleted, TableCounts Archived, TableCounts Purged, int Batches, bool MoreRemaining, TimeSpan Duration)
{
    public static RetentionResult NotLeader(TimeSpan duration) => new(false, TableCounts.Zero, TableCounts.Zero, TableCounts.Zero, 0, false, duration);
}

/// <summary>Reported after every batch, for progress bars (<c>notifyctl cleanup run</c>).</summary>
/// <param name="Phase">The phase the batch belonged to.</param>
/// <param name="Batches">Batches done so far in this run, out of <paramref name="MaxBatches"/>.</param>
/// <param name="Deleted">Live rows deleted so far in this run.</param>
/// <param name="Purged">Archive rows purged so far in this run.</param>
/// <param name="Archived">Of the deleted rows, those archived first (null from callers that do not say).</param>
public sealed record RetentionProgress(RetentionPhase Phase, int Batches, int MaxBatches, TableCounts Deleted, TableCounts Purged,
    TableCounts? Archived = null);

/// <summary>A run's phases, in order.</summary>
public enum RetentionPhase
{
    /// <summary>Finished notifications with their deliveries, attempts and receipts.</summary>
    Notifications,

    /// <summary>Receipts without a delivery (refused requests, unknown or already deleted deliveries).</summary>
    OrphanReceipts,

    /// <summary>Archive rows older than the archive retention.</summary>
    ArchivePurge,
}
