namespace Notify.Outbox.Controls;

/// <summary>
/// The control of a whole channel (<see cref="Provider"/> empty) or of one of its providers:
/// whether it is paused, since when, and the last action's reason and actor.
/// </summary>
public sealed record ChannelControl(string Channel, string Provider, bool Paused, DateTime? PausedAt, string Reason, string Actor, DateTime UpdatedAt)
{
    /// <summary>True for the control of the whole channel rather than one provider.</summary>
    public bool IsWholeChannel => Provider.Length == 0;
}

/// <summary>One accepted pause or resume, from the append-only history.</summary>
public sealed record ChannelControlEvent(long Id, DateTime OccurredAt, string Actor, string Action, string Channel, string Provider,
    string Reason, bool WasPaused);
