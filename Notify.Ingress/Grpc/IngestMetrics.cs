using System.Diagnostics.Metrics;
using Notify.Outbox.Writing;
using Notify.ServiceDefaults;

namespace Notify.Ingress.Grpc;

/// <summary>What the ingress did with each notification it was given.</summary>
internal static class IngestMetrics
{
    private static readonly Counter<long> Notifications = NotifyTelemetry.Meter.CreateCounter<long>(
        "notify.ingest.notifications", unit: "{notification}",
        description: "Notifications received, by outcome: accepted, replayed, conflict, invalid, rejected.");

    private static readonly Counter<long> Deliveries = NotifyTelemetry.Meter.CreateCounter<long>(
        "notify.ingest.deliveries", unit: "{delivery}",
        description: "Deliveries created by accepted notifications, by channel and initial status (PENDING or SKIPPED).");

    public static void Invalid() => Notifications.Add(1, new KeyValuePair<string, object?>("outcome", "invalid"));

    public static void Record(WriteOutcome outcome)
    {
        switch (outcome)
        {
            case Accepted { Replayed: true }:
                Notifications.Add(1, new KeyValuePair<string, object?>("outcome", "replayed"));
                break;
            case Accepted accepted:
                Notifications.Add(1, new KeyValuePair<string, object?>("outcome", "accepted"));
                foreach (var delivery in accepted.Deliveries)
                {
                    Deliveries.Add(1, new("channel", delivery.Channel), new("status", delivery.Status));
                }
                break;
            case KeyConflict:
                Notifications.Add(1, new KeyValuePair<string, object?>("outcome", "conflict"));
                break;
            default:
                Notifications.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                break;
        }
    }
}
