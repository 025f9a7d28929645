using System.Diagnostics.Metrics;

namespace Notify.Outbox.Retention;

/// <summary>
/// What retention removes, per table: a cleanup that stops deleting while traffic continues is a
/// table that will grow until the disk fills; a run duration near the interval means runs overlap
/// their schedule (raise BatchSize or MaxBatches, or shorten the interval).
/// </summary>
internal static class RetentionMetrics
{
    // Same name as every other Notify instrument: dashboards subscribe to one meter.
    private static readonly Meter Meter = new("Notify");

    private static readonly Counter<long> Deleted = Meter.CreateCounter<long>(
        "notify.retention.deleted", unit: "{row}", description: "Rows deleted from the live tables by retention, by table.");

    private static readonly Counter<long> Archived = Meter.CreateCounter<long>(
        "notify.retention.archived", unit: "{row}", description: "Rows copied into notify_archive before their delete, by table.");

    private static readonly Counter<long> Purged = Meter.CreateCounter<long>(
        "notify.retention.purged", unit: "{row}", description: "Archive rows deleted by the archive purge, by table.");

    private static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(
        "notify.retention.run.duration", unit: "s", description: "Time one retention run took (runs that found the lock taken are not recorded).");

    public static void RecordBatch(TableCounts deleted, TableCounts archived, TableCounts purged)
    {
        Add(Deleted, deleted);
        Add(Archived, archived);
        Add(Purged, purged);
    }

    public static void RecordRun(TimeSpan duration) => RunDuration.Record(duration.TotalSeconds);

    private static void Add(Counter<long> counter, TableCounts counts)
    {
        foreach (var (table, count) in counts.ByTable())
        {
            if (count > 0)
            {
                counter.Add(count, new KeyValuePair<string, object?>("table", table));
            }
        }
    }
}
