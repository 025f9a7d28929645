using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Notify.Delivery.Providers;

namespace Notify.Delivery.Telemetry;

/// <summary>
/// The delivery engine's instruments on the meter <c>Notify</c> (names are a contract with
/// dashboards; Prometheus shows them as <c>notify_delivery_attempts_total</c> and so on).
/// Gauges read the live workers of this process at collection time.
/// </summary>
public static class DeliveryMetrics
{
    private static readonly Meter Meter = new("Notify");

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>(
        "notify.delivery.attempts", unit: "{attempt}",
        description: "Provider calls, by channel, provider, outcome (sent, retryable, permanent, credentials, timeout) and error code.");

    private static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "notify.delivery.provider_call.duration", unit: "s",
        description: "How long one provider call took, by channel, provider and outcome.");

    private static readonly Histogram<double> AcceptToProvider = Meter.CreateHistogram<double>(
        "notify.delivery.accept_to_provider", unit: "s",
        description: "From the ingress accepting a notification (or its send_at) to a provider accepting the delivery, by channel.");

    private static readonly Histogram<double> AcceptToDelivered = Meter.CreateHistogram<double>(
        "notify.delivery.accept_to_delivered", unit: "s",
        description: "From the ingress accepting a notification to its delivery: a provider's receipt saying delivered, or (webhook, push) the provider's success answer; by channel.");

    private static readonly Counter<long> Finished = Meter.CreateCounter<long>(
        "notify.delivery.finished", unit: "{delivery}",
        description: "Deliveries that reached a final status in a worker (SENT, DELIVERED, DEAD, EXPIRED), by channel, status and error code.");

    private static readonly Counter<long> HandedBack = Meter.CreateCounter<long>(
        "notify.delivery.handed_back", unit: "{delivery}",
        description: "Claimed deliveries given back without a provider call, by channel and reason (CIRCUIT_OPEN, RATE_LIMITED, LEASE_TOO_SHORT, a deferral code).");

    private static readonly Counter<long> RateLimitWaits = Meter.CreateCounter<long>(
        "notify.ratelimit.waits", unit: "{wait}",
        description: "Times a send waited for the shared rate limit, by channel.");

    private static readonly ConcurrentDictionary<object, Func<IEnumerable<Measurement<int>>>> CircuitSources = new();
    private static readonly ConcurrentDictionary<object, Func<Measurement<int>>> FallbackSources = new();
    private static readonly ConcurrentDictionary<object, Func<IEnumerable<Measurement<int>>>> PauseSources = new();

    static DeliveryMetrics()
    {
        Meter.CreateObservableGauge("notify.circuit.state",
            () => CircuitSources.Values.SelectMany(source => source()),
            description: "Each provider's circuit: 0 closed, 1 open, 2 half-open; by channel and provider.");
        Meter.CreateObservableGauge("notify.ratelimit.fallback",
            () => FallbackSources.Values.Select(source => source()),
            description: "1 while Redis is unreachable and this process sends under its share of the rate limit (limit / replicas).");
        Meter.CreateObservableGauge("notify.channel.paused",
            () => PauseSources.Values.SelectMany(source => source()),
            description: "1 while a channel control is paused: provider \"\" for the whole channel, else that provider alone; by channel and provider.");
    }

    public static void Attempt(string channel, string provider, string outcome, string? errorCode, double seconds)
    {
        var tags = new TagList { { "channel", channel }, { "provider", provider }, { "outcome", outcome } };
        CallDuration.Record(seconds, tags);
        tags.Add("error_code", errorCode ?? "");
        Attempts.Add(1, tags);
    }

    public static void Sent(string channel, TimeSpan sinceAccepted)
        => AcceptToProvider.Record(Math.Max(0, sinceAccepted.TotalSeconds), new KeyValuePair<string, object?>("channel", channel));

    public static void Delivered(string channel, TimeSpan sinceAccepted)
        => AcceptToDelivered.Record(Math.Max(0, sinceAccepted.TotalSeconds), new KeyValuePair<string, object?>("channel", channel));

    public static void Finish(string channel, string status, string? errorCode)
        => Finished.Add(1, new("channel", channel), new("status", status), new("error_code", errorCode ?? ""));

    public static void HandBack(string channel, string reason)
        => HandedBack.Add(1, new("channel", channel), new("reason", reason));

    public static void RateLimitWait(string channel) => RateLimitWaits.Add(1, new KeyValuePair<string, object?>("channel", channel));

    /// <summary>Reports a worker's circuits and rate-limit fallback until the returned handle is disposed.</summary>
    public static IDisposable Observe(string channel, IReadOnlyList<(string Provider, Func<string> State)> circuits, Func<bool>? fallback)
    {
        var owner = new object();
        CircuitSources[owner] = () => circuits.Select(c => new Measurement<int>(
            c.State() switch { "open" or "isolated" => 1, "halfopen" => 2, _ => 0 },
            new("channel", channel), new("provider", c.Provider)));
        if (fallback is not null)
        {
            FallbackSources[owner] = () => new Measurement<int>(fallback() ? 1 : 0, new KeyValuePair<string, object?>("channel", channel));
        }
        return new Registration(owner);
    }

    /// <summary>Reports a worker's channel controls (see <c>Controls/ChannelControlWatcher</c>) until the returned handle is disposed.</summary>
    public static IDisposable ObservePauses(string channel, Func<IEnumerable<(string Provider, bool Paused)>> pauses)
    {
        var owner = new object();
        PauseSources[owner] = () => pauses().Select(p => new Measurement<int>(p.Paused ? 1 : 0,
            new("channel", channel), new("provider", p.Provider)));
        return new Registration(owner);
    }

    private sealed class Registration(object owner) : IDisposable
    {
        public void Dispose()
        {
            CircuitSources.TryRemove(owner, out _);
            FallbackSources.TryRemove(owner, out _);
            PauseSources.TryRemove(owner, out _);
        }
    }
}
