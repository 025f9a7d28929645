using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Notify.Delivery.Providers;
using Notify.Outbox;
using Notify.Outbox.Claiming;

namespace Notify.Delivery.Telemetry;

/// <summary>
/// The engine's spans on the activity source <c>Notify</c>: one <c>deliver {channel}</c> per
/// claimed delivery, continuing the trace the ingress stored with the notification, and one
/// <c>send {provider}</c> client span per provider call inside it. The call's HTTP client
/// (or the SMTP message header) carries the current span as <c>traceparent</c>, so one trace
/// follows a message from the caller through the outbox to the provider.
/// </summary>
/// <remarks>
/// A worker starts thousands of these a second while draining. When nothing listens to the
/// source, <see cref="ActivitySource.StartActivity(string, ActivityKind, ActivityContext, IEnumerable{KeyValuePair{string, object?}}?, IEnumerable{ActivityLink}?, DateTimeOffset)"/>
/// returns null: the stored traceparent is then not even parsed and no tag value is formatted
/// (only a provider call gets a bare carrier of the stored trace, see <see cref="ContinueStoredTrace"/>).
/// Never recorded on a span: the recipient, the content, provider error messages (they may
/// quote the recipient).
/// </remarks>
public static class DeliveryTracing
{
    public const string SourceName = "Notify";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Span name of a delivery on <paramref name="channel"/>; built once per worker, not per delivery.</summary>
    public static string DeliverSpanName(string channel) => "deliver " + channel;

    /// <summary>
    /// The span of one claimed delivery, a child of the ingress span whose context the
    /// notification stored (a new trace when it stored none). Consumer: it takes a message
    /// another process produced.
    /// </summary>
    public static Activity? StartDelivery(string spanName, ClaimedDelivery delivery)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityContext.TryParse(delivery.Traceparent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity(spanName, ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("notify.delivery_id", delivery.Id.ToString());
            activity.SetTag("notify.notification_id", delivery.NotificationId.ToString());
            activity.SetTag("notify.channel", delivery.Channel);
            activity.SetTag("notify.attempt", delivery.AttemptNumber);
        }
        return activity;
    }

    /// <summary>What became of the delivery in this claim: its new status, the provider and the error code.</summary>
    public static void Completed(Activity? activity, string status, string? provider, string? errorCode)
    {
        if (!Recording(activity))
        {
            return;
        }
        activity.SetTag("notify.status", status);
        activity.SetTag("notify.provider", provider);
        activity.SetTag("notify.error_code", errorCode);
        // A delivery handed back (rate limit, open circuit) has not failed; one left to retry,
        // dead-lettered or expired has.
        if (status is DeliveryStatuses.Retrying or DeliveryStatuses.Dead or DeliveryStatuses.Expired)
        {
            activity.SetStatus(ActivityStatusCode.Error, errorCode);
        }
    }

    /// <summary>
    /// The client span of one call to <paramref name="provider"/>, a child of the delivery's
    /// span; current while the provider runs, so its HTTP client propagates it.
    /// </summary>
    public static Activity? StartProviderCall(string provider, ClaimedDelivery delivery)
    {
        if (!Source.HasListeners())
        {
            return ContinueStoredTrace(delivery);
        }
        var activity = Source.StartActivity("send " + provider, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("notify.provider", provider);
            activity.SetTag("notify.delivery_id", delivery.Id.ToString());
            activity.SetTag("notify.attempt", delivery.AttemptNumber);
        }
        return activity;
    }

    /// <summary>
    /// For a provider call made with no span of Notify's current (nothing listens to the
    /// source, or a provider called on its own): makes the notification's stored trace current
    /// through a bare activity, which no exporter ever sees, so the provider request still
    /// carries it as <c>traceparent</c> — whatever HTTP instrumentation the process has (the
    /// OpenTelemetry SDK's replaces a header set by hand). Null when a span is already current
    /// or the notification stored no trace. Costs one object per provider call, not per claim.
    /// </summary>
    public static Activity? ContinueStoredTrace(ClaimedDelivery delivery)
    {
        if (Activity.Current is not null
            || !ActivityContext.TryParse(delivery.Traceparent, null, isRemote: true, out var stored))
        {
            return null;
        }
        var carrier = new Activity("Notify.StoredTrace");
        carrier.SetParentId(stored.TraceId, stored.SpanId, stored.TraceFlags);
        return carrier.Start();
    }

    /// <summary>
    /// The provider's answer: outcome, its own error code and status, its message id (receipts
    /// refer to it). Null: the circuit refused the call (it opened while the batch was in flight).
    /// </summary>
    public static void Answered(Activity? activity, ProviderResult? result)
    {
        if (!Recording(activity))
        {
            return;
        }
        if (result is null)
        {
            activity.SetTag("notify.outcome", "circuit_open");
            return;
        }
        activity.SetTag("notify.outcome", Outcome(result));
        activity.SetTag("notify.error_code", result.ErrorCode);
        activity.SetTag("notify.provider_status", result.HttpStatus);
        activity.SetTag("notify.provider_message_id", result.ProviderMessageId);
        if (result.Outcome is not (ProviderOutcome.Sent or ProviderOutcome.Deferred))
        {
            activity.SetStatus(ActivityStatusCode.Error, result.ErrorCode);
        }
    }

    /// <summary>A span of the engine's that is sampled; not the bare carrier of a stored trace.</summary>
    private static bool Recording([NotNullWhen(true)] Activity? activity) => activity is { IsAllDataRequested: true } && activity.Source == Source;

    private static string Outcome(ProviderResult result) => result.Outcome switch
    {
        ProviderOutcome.Sent => "sent",
        ProviderOutcome.Permanent => "permanent",
        ProviderOutcome.Credentials => "credentials",
        ProviderOutcome.Deferred => "deferred",
        _ => result.ErrorCode == "TIMEOUT" ? "timeout" : "retryable",
    };
}
