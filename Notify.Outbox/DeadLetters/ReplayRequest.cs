namespace Notify.Outbox.DeadLetters;

/// <summary>
/// A replay of one tenant's dead letters: either the deliveries <see cref="Ids"/> names, or every
/// dead letter of the tenant matching <see cref="Filter"/> (not both).
/// </summary>
/// <param name="TenantId">Whose dead letters; ids of another tenant's deliveries match nothing.</param>
/// <param name="Ids">Delivery ids; those not dead (or not the tenant's) are left alone and not counted.</param>
/// <param name="Filter">Channel, error code and time range; its <see cref="DeadLetterFilter.TenantId"/> must be null or <paramref name="TenantId"/>.</param>
/// <param name="DryRun">Count what would be replayed (and check the limits) without changing anything.</param>
/// <param name="ReplayKey">Makes the replay idempotent: the same key again returns the first run's result.</param>
/// <param name="Actor">Who asked (recorded).</param>
/// <param name="Reason">Why, e.g. an incident id (recorded).</param>
/// <param name="MaxRows">The most rows this replay may move; a larger selection is refused whole.</param>
public sealed record ReplayRequest(
    Guid TenantId,
    IReadOnlyList<Guid>? Ids,
    DeadLetterFilter? Filter,
    bool DryRun,
    string? ReplayKey,
    string Actor,
    string Reason,
    int MaxRows);

/// <summary>What a replay did (or, for a dry run, would do).</summary>
/// <param name="Count">Rows moved from DEAD back to RETRYING (a dry run: rows that would be).</param>
/// <param name="DryRun">Nothing was changed.</param>
/// <param name="Repeated">The replay key had been used by an identical request: this is that run's result, and nothing was replayed now.</param>
/// <param name="RunId">The <c>notify.replay_runs</c> row; null for a dry run.</param>
/// <param name="CreatedAt">When the run happened (the first run's time when <paramref name="Repeated"/>); null for a dry run.</param>
public sealed record ReplayResult(int Count, bool DryRun, bool Repeated, long? RunId, DateTime? CreatedAt);

/// <summary>Rows a tenant may still replay today and this month (UTC).</summary>
public sealed record ReplayBudget(long DailyRemaining, long MonthlyRemaining);

/// <summary>Why a replay was refused.</summary>
public enum ReplayRefusal
{
    /// <summary>More rows match than the request's MaxRows.</summary>
    TooManyRows,

    /// <summary>The tenant's rows replayed today (UTC) plus these would exceed the daily budget.</summary>
    DailyBudget,

    /// <summary>The tenant's rows replayed this month (UTC) plus these would exceed the monthly budget.</summary>
    MonthlyBudget,

    /// <summary>The replay key was used before by a different request (tenant or selection).</summary>
    ReplayKeyReused,
}

/// <summary>
/// A replay refused by a limit; nothing was changed. The message names the limit and the numbers,
/// so the admin API and <c>notifyctl</c> can pass it on as is.
/// </summary>
public sealed class ReplayRefusedException(ReplayRefusal refusal, string message, long? requested = null, long? limit = null)
    : InvalidOperationException(message)
{
    public ReplayRefusal Refusal { get; } = refusal;

    /// <summary>Rows the replay needed (matched rows, or the budget already used plus them); null for a reused key.</summary>
    public long? Requested { get; } = requested;

    /// <summary>The limit that refused it; null for a reused key.</summary>
    public long? Limit { get; } = limit;
}
