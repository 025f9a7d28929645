using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Notify.Outbox;
using Notify.Outbox.Reading;

namespace Notify.Delivery.Telemetry;

/// <summary>
/// The outbox as the dashboards see it, on the meter <c>Notify</c>: <c>notify.queue.depth</c>
/// (by channel and status: PENDING, RETRYING, SENDING), <c>notify.queue.oldest_claimable_age</c>
/// (the outbox lag, seconds) and <c>notify.queue.dead</c> (dead letters). Values are the last
/// reading of each channel's <see cref="QueueMonitor"/>; a scrape never queries the database.
/// </summary>
/// <remarks>
/// Every replica of a channel reads the same table and so reports the same values: aggregate
/// with <c>max</c>, not <c>sum</c>, across instances.
/// </remarks>
public static class QueueGauges
{
    private static readonly Meter Meter = new("Notify");

    private static readonly ConcurrentDictionary<object, Func<QueueSnapshot?>> Sources = new();

    static QueueGauges()
    {
        Meter.CreateObservableGauge("notify.queue.depth", ObserveDepth, unit: "{delivery}",
            description: "Deliveries of a channel waiting (PENDING, RETRYING, including those scheduled for later) or in flight (SENDING), by channel and status.");
        Meter.CreateObservableGauge("notify.queue.oldest_claimable_age", ObserveOldest, unit: "s",
            description: "How long the oldest due PENDING or RETRYING delivery of a channel has been waiting to be claimed (outbox lag); 0 when none is due.");
        Meter.CreateObservableGauge("notify.queue.dead", ObserveDead, unit: "{delivery}",
            description: "Dead-lettered deliveries of a channel (status DEAD), by channel.");
    }

    /// <summary>Reports <paramref name="latest"/>'s readings until the returned handle is disposed.</summary>
    public static IDisposable Observe(Func<QueueSnapshot?> latest)
    {
        var owner = new object();
        Sources[owner] = latest;
        return new Registration(owner);
    }

    private static IEnumerable<QueueSnapshot> Snapshots()
    {
        foreach (var source in Sources.Values)
        {
            if (source() is { } snapshot)
            {
                yield return snapshot;
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveDepth()
    {
        foreach (var s in Snapshots())
        {
            yield return Depth(s, DeliveryStatuses.Pending, s.Pending);
            yield return Depth(s, DeliveryStatuses.Retrying, s.Retrying);
            yield return Depth(s, DeliveryStatuses.Sending, s.Sending);
        }
    }

    private static Measurement<long> Depth(QueueSnapshot snapshot, string status, long value)
        => new(value, new KeyValuePair<string, object?>("channel", snapshot.Channel), new KeyValuePair<string, object?>("status", status));

    private static IEnumerable<Measurement<double>> ObserveOldest()
        => Snapshots().Select(s => new Measurement<double>(s.OldestClaimableAge.TotalSeconds, new KeyValuePair<string, object?>("channel", s.Channel)));

    private static IEnumerable<Measurement<long>> ObserveDead()
        => Snapshots().Select(s => new Measurement<long>(s.Dead, new KeyValuePair<string, object?>("channel", s.Channel)));

    private sealed class Registration(object owner) : IDisposable
    {
        public void Dispose() => Sources.TryRemove(owner, out _);
    }
}
