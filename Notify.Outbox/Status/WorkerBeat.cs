namespace Notify.Outbox.Status;

/// <summary>
/// What a channel worker says about itself at each heartbeat (a row of <c>notify.workers</c>).
/// </summary>
/// <param name="WorkerId">The id it claims with (<c>deliveries.locked_by</c>).</param>
/// <param name="StartedAt">When the process started.</param>
/// <param name="Circuits">Each provider-wide circuit, in failover order.</param>
/// <param name="Paused">
/// The controls it honours now, as it last read them: <c>""</c> for the whole channel, otherwise
/// a provider paused on its own (the keys of <c>notify.channel_controls</c>).
/// </param>
/// <param name="Claiming">False while it does not claim (paused, every circuit open, controls not read yet).</param>
public sealed record WorkerBeat(
    string WorkerId, string Channel, string Host, int Pid, DateTimeOffset StartedAt, IReadOnlyList<CircuitReading> Circuits,
    IReadOnlyList<string> Paused, bool Claiming);
