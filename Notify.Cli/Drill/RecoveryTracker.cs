namespace Notify.Cli.Drill;

/// <summary>A replica the drill killed, and what it held then.</summary>
public sealed record KilledReplica(DrillReplica Replica, DateTimeOffset KilledAt, IReadOnlyList<HeldDelivery> Held);

/// <summary>How one held delivery came back: reaped (its lease ran out) or completed by the dying worker's last statement.</summary>
public sealed record Recovery(Guid Id, string Channel, bool Reaped, DateTimeOffset At, double SecondsAfterKill, double SecondsAfterLeaseExpiry);

/// <summary>
/// Follows the deliveries the killed replicas held until each is out of their hands, and
/// when that happened. A delivery is recovered when its row is no longer SENDING under the
/// dead worker's lease token:
/// <list type="bullet">
/// <item>same token, no longer SENDING, <c>LOCK_EXPIRED</c>: the reaper took it back at <c>updated_at</c>;</item>
/// <item>a newer token: reaped and claimed again since. Still SENDING: the claim's <c>updated_at</c>
/// (just after the reap, which wakes the claimer). Finished after exactly one new claim: the
/// reap's <c>next_attempt_at</c> (a claim does not move it, nor does a completion as SENT, DELIVERED or
/// DEAD). Otherwise when the drill saw it (an upper bound);</item>
/// <item>same token and finished without <c>LOCK_EXPIRED</c>: the worker's completion statement was
/// already running in PostgreSQL when it died and committed; not a recovery by the reaper.</item>
/// </list>
/// </summary>
public sealed class RecoveryTracker
{
    private readonly List<KilledReplica> _killed = [];
    private readonly Dictionary<Guid, (HeldDelivery Held, KilledReplica By)> _pending = [];
    private readonly List<Recovery> _recovered = [];

    public IReadOnlyList<KilledReplica> Killed => _killed;

    public IReadOnlyList<Recovery> Recovered => _recovered;

    /// <summary>Held deliveries still under a dead worker's lease.</summary>
    public Guid[] Pending => [.. _pending.Keys];

    public bool Done => _pending.Count == 0;

    public void Add(KilledReplica killed)
    {
        _killed.Add(killed);
        foreach (var held in killed.Held)
        {
            _pending[held.Id] = (held, killed);
        }
    }

    /// <summary>Takes the current state of pending held rows, read at <paramref name="observedAt"/>.</summary>
    public void Observe(IEnumerable<HeldState> states, DateTimeOffset observedAt)
    {
        foreach (var state in states)
        {
            if (!_pending.TryGetValue(state.Id, out var entry))
            {
                continue;
            }
            var (held, by) = entry;
            DateTimeOffset at;
            bool reaped;
            if (state.LeaseToken == held.LeaseToken)
            {
                if (state.Status == "SENDING")
                {
                    continue;
                }
                reaped = state.LastErrorCode == "LOCK_EXPIRED";
                at = Utc(state.UpdatedAt);
            }
            else
            {
                reaped = true;
                at = state.Status == "SENDING" ? Utc(state.UpdatedAt)
                    : state.LeaseToken == held.LeaseToken + 1 && state.Status is "SENT" or "DELIVERED" or "DEAD" or "FAILED" ? Utc(state.NextAttemptAt)
                    : observedAt;
            }
            _pending.Remove(state.Id);
            _recovered.Add(new Recovery(state.Id, held.Channel, reaped, at,
                Math.Max(0, (at - by.KilledAt).TotalSeconds), (at - Utc(held.LockExpiresAt)).TotalSeconds));
        }
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
