using System.Diagnostics;
using System.Diagnostics.Metrics;
using Notify.ServiceDefaults;

namespace Notify.Receipts;

/// <summary>Receipt instruments on the meter <c>Notify</c> (Prometheus: <c>notify_receipts_received_total</c>…).</summary>
public static class ReceiptMetrics
{
    private static readonly Counter<long> Received = NotifyTelemetry.Meter.CreateCounter<long>(
        "notify.receipts.received", unit: "{event}",
        description: "Receipt events accepted, by channel, provider and outcome (applied, stale, waiting, informational, duplicate, unknown_delivery, not_sent).");

    private static readonly Counter<long> Refused = NotifyTelemetry.Meter.CreateCounter<long>(
        "notify.receipts.refused", unit: "{request}",
        description: "Receipt requests refused, by channel, provider and reason (bad_signature, stale_timestamp, too_large…).");

    public static void Event(string channel, string provider, string outcome)
        => Received.Add(1, new TagList { { "channel", channel }, { "provider", provider }, { "outcome", outcome } });

    public static void Refusal(string channel, string provider, string reason)
        => Refused.Add(1, new TagList { { "channel", channel }, { "provider", provider }, { "reason", reason } });

    /// <summary>The accept→delivered histogram is the engine's (webhook and push deliver without a receipt).</summary>
    public static void Delivered(string channel, TimeSpan sinceAccepted) => Notify.Delivery.Telemetry.DeliveryMetrics.Delivered(channel, sinceAccepted);
}
