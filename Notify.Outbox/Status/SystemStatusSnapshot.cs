using Notify.Outbox.Controls;
using Notify.Outbox.Reading;

namespace Notify.Outbox.Status;

/// <summary>
/// The system as <c>notifyctl status</c> and the admin API's GetStatus show it: every channel,
/// idle ones included, in <see cref="ChannelNames.All"/> order (see <see cref="SystemStatusReader"/>).
/// </summary>
/// <param name="ObservedAt">The database's clock when the workers were read (the clock their <c>SeenAt</c> is on).</param>
public sealed record SystemStatusSnapshot(DateTime ObservedAt, IReadOnlyList<ChannelStatusSnapshot> Channels)
{
    /// <summary>The status of <paramref name="channel"/>.</summary>
    public ChannelStatusSnapshot this[string channel] => Channels.Single(c => c.Channel == channel);
}

/// <summary>One channel: its queue, its controls (paused or last resumed) and its live workers.</summary>
/// <param name="Controls">Every control of the channel ever set, the whole channel's (provider <c>""</c>) first.</param>
/// <param name="Workers">The channel's processes that sent a heartbeat within the staleness window.</param>
public sealed record ChannelStatusSnapshot(
    string Channel, QueueSnapshot Queue, IReadOnlyList<ChannelControl> Controls, IReadOnlyList<WorkerSnapshot> Workers)
{
    /// <summary>True while the whole channel is paused (provider pauses are in <see cref="Controls"/>).</summary>
    public bool Paused => Controls.Any(c => c.IsWholeChannel && c.Paused);
}

/// <summary>A live channel worker, from its last heartbeat.</summary>
/// <param name="WorkerId">The id it claims with (<c>deliveries.locked_by</c>).</param>
/// <param name="SeenAt">Its last heartbeat, on the database's clock.</param>
/// <param name="Circuits">Each provider-wide circuit, in the channel's failover order.</param>
/// <param name="Paused">What it honours now: <c>""</c> for the whole channel, otherwise providers paused on their own.</param>
/// <param name="Claiming">False while it does not claim (paused, every circuit open, controls not read yet).</param>
public sealed record WorkerSnapshot(
    string WorkerId, string Channel, string Host, int Pid, DateTime StartedAt, DateTime SeenAt, IReadOnlyList<CircuitReading> Circuits,
    IReadOnlyList<string> Paused, bool Claiming)
{
    /// <summary>True when this worker has seen the whole channel's pause.</summary>
    public bool ChannelPaused => Paused.Contains("");

    /// <summary>The providers this worker treats as paused on their own.</summary>
    public IEnumerable<string> PausedProviders => Paused.Where(p => p.Length > 0);
}
