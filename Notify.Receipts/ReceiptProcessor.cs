using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Notify.Outbox;
using Notify.Outbox.Receipts;
using Notify.ServiceDefaults;

namespace Notify.Receipts;

/// <summary>
/// Stores verified receipt events and reports what they did: a metric per outcome, the
/// accept→delivered latency, and a span per event that joins the message's trace (the trace
/// the ingress stored with the notification), linked to the request that brought it.
/// </summary>
public sealed partial class ReceiptProcessor(ReceiptStore store, TimeProvider time, ILogger<ReceiptProcessor> logger)
{
    public async Task<IReadOnlyList<ReceiptResult>> RecordAsync(
        string channel, string provider, IReadOnlyList<ReceiptEvent> events, CancellationToken cancellationToken)
    {
        var results = await store.RecordAsync(channel, provider, events, cancellationToken);
        Report(channel, provider, results);
        return results;
    }

    /// <summary>Applies receipts that came before their send was completed (see <see cref="ReceiptSweeper"/>).</summary>
    public async Task<int> ApplyWaitingAsync(string channel, int limit, CancellationToken cancellationToken)
    {
        var results = await store.ApplyWaitingAsync(channel, limit, cancellationToken);
        Report(channel, provider: null, results);
        return results.Count;
    }

    private void Report(string channel, string? provider, IReadOnlyList<ReceiptResult> results)
    {
        var request = Activity.Current;
        foreach (var result in results)
        {
            ReceiptMetrics.Event(channel, provider ?? result.Provider ?? "", result.Outcome);
            if (result.Outcome == ReceiptOutcomes.Applied && result.StatusAfter == DeliveryStatuses.Delivered
                && result.Event.DeliveryId is { } deliveryId)
            {
                ReceiptMetrics.Delivered(channel, time.GetUtcNow() - UuidV7.Timestamp(deliveryId));
            }
            if (result.Outcome == ReceiptOutcomes.UnknownDelivery)
            {
                LogUnknown(logger, channel, result.Event.EventType);
            }
            else if (result.Outcome == ReceiptOutcomes.MessageMismatch)
            {
                LogMismatch(logger, channel, result.Event.EventType, result.Event.DeliveryId);
            }
            TraceEvent(channel, provider ?? result.Provider, result, request);
        }
    }

    /// <summary>
    /// One span per receipt event, a child of the message's trace when the delivery is known:
    /// providers do not carry trace context, so Notify finds the trace through the delivery id
    /// the provider echoed. The HTTP request that brought the receipt is linked.
    /// </summary>
    private static void TraceEvent(string channel, string? provider, ReceiptResult result, Activity? request)
    {
        if (!NotifyTelemetry.ActivitySource.HasListeners())
        {
            return;
        }
        ActivityContext.TryParse(result.Traceparent, null, isRemote: true, out var parent);
        ActivityLink[]? links = request is null ? null : [new ActivityLink(request.Context)];
        using var activity = NotifyTelemetry.ActivitySource.StartActivity(
            $"receipt {result.Event.EventType}", ActivityKind.Consumer, parent, links: links);
        if (activity is null)
        {
            return;
        }
        activity.SetTag("notify.channel", channel);
        activity.SetTag("notify.provider", provider);
        activity.SetTag("notify.delivery_id", result.Event.DeliveryId?.ToString());
        activity.SetTag("notify.provider_message_id", result.Event.ProviderMessageId);
        activity.SetTag("notify.receipt.outcome", result.Outcome);
        activity.SetTag("notify.status", result.StatusAfter);
        if (result.Event.ErrorCode is { } code)
        {
            activity.SetTag("notify.error_code", code);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A {Channel} receipt ({EventType}) names no delivery Notify knows; stored and ignored.")]
    private static partial void LogUnknown(ILogger logger, string channel, string eventType);

    // A signed receipt whose delivery id and provider message id disagree is either a provider
    // bug or someone steering receipts to another delivery: worth an operator's look.
    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A {Channel} receipt ({EventType}) names delivery {DeliveryId}, which recorded another provider message id; stored and ignored.")]
    private static partial void LogMismatch(ILogger logger, string channel, string eventType, Guid? deliveryId);
}
