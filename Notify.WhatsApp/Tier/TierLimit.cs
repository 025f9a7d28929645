using System.Globalization;

namespace Notify.WhatsApp.Tier;

/// <summary>
/// WhatsApp's messaging limit: how many unique users a business phone number may start
/// business-initiated conversations with in a rolling 24 hours. Meta's tiers are 250
/// (unverified), 1K (2K in the newer portfolio-level scheme), 10K, 100K and unlimited.
/// </summary>
public readonly record struct TierLimit(int? Recipients)
{
    public static readonly TierLimit Unlimited = new(null);

    public bool IsUnlimited => Recipients is null;

    /// <summary>
    /// Reads <c>250</c>, <c>1K</c>, <c>2K</c>, <c>10K</c>, <c>100K</c>, <c>Unlimited</c>, or a
    /// whole number of recipients (Meta may grant a number other limits; tests use small ones).
    /// </summary>
    public static bool TryParse(string? text, out TierLimit limit)
    {
        limit = Unlimited;
        var value = text?.Trim() ?? "";
        if (value.Equals("unlimited", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var multiplier = 1L;
        if (value.EndsWith('K') || value.EndsWith('k'))
        {
            multiplier = 1_000;
            value = value[..^1];
        }
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0 && count * multiplier <= 100_000_000)
        {
            limit = new TierLimit((int)(count * multiplier));
            return true;
        }
        return false;
    }

    public override string ToString() => Recipients is { } n ? n.ToString(CultureInfo.InvariantCulture) : "unlimited";
}
