using System.Diagnostics.Metrics;

namespace Notify.Outbox.Writing;

/// <summary>
/// How group commit behaves: a small group size under load means commits are not being
/// shared; a rising commit duration is the database slowing down before callers notice.
/// </summary>
internal static class OutboxWriterMetrics
{
    // Same name as every other Notify instrument: dashboards subscribe to one meter.
    private static readonly Meter Meter = new("Notify");

    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "notify.outbox.commit.duration", unit: "s", description: "Time to write and commit one group of notifications.");

    public static readonly Histogram<int> GroupSize = Meter.CreateHistogram<int>(
        "notify.outbox.group.size", unit: "{notification}", description: "Notifications written by one commit.");
}
