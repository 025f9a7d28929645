namespace Notify.Cli.Drill;

/// <summary>How long one channel's share should take, and why.</summary>
public sealed record ChannelEstimate(string Channel, int Messages, double RatePerSecond, int Throttled, TimeSpan Sending, TimeSpan Pauses)
{
    public TimeSpan Total => Sending + Pauses;
}

/// <summary>
/// The drill's expected duration, said up front: the channels run side by side, each limited
/// by its provider rate (shared by its replicas through Redis: email's default is 10/s
/// whatever the replica count), and every 429 pauses that channel's sender on every replica
/// for Retry-After; then the killed replica's leases expire and are reaped.
/// </summary>
public sealed record DrillEstimate(IReadOnlyList<ChannelEstimate> Channels, TimeSpan Recovery)
{
    public TimeSpan Total => Channels.Select(c => c.Total).DefaultIfEmpty(TimeSpan.Zero).Max() + Recovery;

    /// <summary>Three times the estimate, at least 5 minutes: a slow machine is not a failed drill, a hung one is.</summary>
    public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(Math.Max(300, Total.TotalSeconds * 3));

    public static DrillEstimate For(DrillPlan plan, DrillTarget target)
    {
        var channels = DrillPlan.Channels.Select(channel =>
        {
            var count = plan.CountOf(channel);
            var settings = target.Settings[channel];
            var throttled = (int)Math.Round(count * plan.Options.ThrottlePercent / 100.0);
            // Unlimited (0) still takes a moment per message; 500/s is what one replica roughly manages here.
            var rate = settings.RatePerSecond > 0 ? settings.RatePerSecond : 500;
            return new ChannelEstimate(channel, count, settings.RatePerSecond, throttled,
                TimeSpan.FromSeconds(count / rate), TimeSpan.FromSeconds(throttled * plan.Options.RetryAfterSeconds));
        }).ToList();
        var recovery = DrillPlan.Channels.Select(c => target.Settings[c].RecoveryBound).Max();
        return new DrillEstimate(channels, recovery);
    }

    /// <summary>"13 min 20 s", "45 s".</summary>
    public static string Format(TimeSpan span) => span.TotalSeconds < 60
        ? $"{span.TotalSeconds:0} s"
        : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{(int)span.TotalMinutes} min {span.Seconds} s";
}
