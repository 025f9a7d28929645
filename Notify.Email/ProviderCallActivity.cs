using System.Diagnostics;
using Notify.Outbox.Claiming;
using Notify.ServiceDefaults;

namespace Notify.Email;

/// <summary>
/// The span of one provider call. Its parent is the worker's current span if there is one,
/// else the trace the ingress stored with the notification (<c>traceparent</c>), so one trace
/// shows a message from the caller's request to the provider. The HTTP client propagates it
/// to SendGrid; null when nothing listens (then the stored traceparent is sent as it is).
/// </summary>
internal static class ProviderCallActivity
{
    public static Activity? Start(string provider, ClaimedDelivery delivery)
    {
        var parent = Activity.Current?.Context
            ?? (ActivityContext.TryParse(delivery.Traceparent, null, isRemote: true, out var stored) ? stored : default);
        var activity = NotifyTelemetry.ActivitySource.StartActivity($"send {provider}", ActivityKind.Client, parent);
        activity?.SetTag("messaging.system", provider);
        activity?.SetTag("messaging.destination.name", delivery.Channel);
        activity?.SetTag("messaging.message.id", delivery.Id.ToString());
        activity?.SetTag("notify.attempt", delivery.AttemptNumber);
        return activity;
    }
}
