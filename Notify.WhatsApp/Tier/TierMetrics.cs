using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Notify.ServiceDefaults;

namespace Notify.WhatsApp.Tier;

/// <summary>
/// The messaging tier as the dashboards see it: <c>notify.quota.used</c> and
/// <c>notify.quota.remaining</c> (DESIGN.md: "quota used/remaining"), tagged with the channel,
/// the quota (<c>messaging_tier</c>), the phone-number id, and whether the count is shared
/// through Redis or only this process's share while Redis is away. Values are as of the last
/// send the ledger decided.
/// </summary>
internal static class TierMetrics
{
    private static readonly ConcurrentDictionary<string, (int Used, int Limit, bool Shared)> Latest = new();

    static TierMetrics()
    {
        NotifyTelemetry.Meter.CreateObservableGauge("notify.quota.used", () => Observe(q => q.Used), unit: "{recipient}",
            description: "Unique recipients counted against a quota in its window (WhatsApp: the 24-hour messaging tier).");
        NotifyTelemetry.Meter.CreateObservableGauge("notify.quota.remaining", () => Observe(q => Math.Max(0, q.Limit - q.Used)), unit: "{recipient}",
            description: "Recipients a quota still allows in its window (WhatsApp: new conversations under the messaging tier).");
    }

    public static void Record(string phoneNumberId, int used, int limit, bool shared) => Latest[phoneNumberId] = (used, limit, shared);

    private static IEnumerable<Measurement<int>> Observe(Func<(int Used, int Limit, bool Shared), int> value)
    {
        foreach (var (account, quota) in Latest)
        {
            yield return new Measurement<int>(value(quota),
                new KeyValuePair<string, object?>("channel", "whatsapp"),
                new KeyValuePair<string, object?>("quota", "messaging_tier"),
                new KeyValuePair<string, object?>("account", account),
                new KeyValuePair<string, object?>("scope", quota.Shared ? "shared" : "process"));
        }
    }
}
