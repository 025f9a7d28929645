using Npgsql;
using NpgsqlTypes;

namespace Notify.Outbox.DeadLetters;

/// <summary>The statements of one replay, all on one connection inside its transaction.</summary>
internal sealed class ReplayTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, DeadLetterSelection selection)
{
    /// <summary>A run already recorded under a key, and whether it was asked by the same tenant with the same selection.</summary>
    public sealed record EarlierRun(long Id, int Count, DateTime CreatedAt, bool SameRequest);

    /// <summary>A transaction-scoped advisory lock on <paramref name="name"/>, released at commit or rollback.</summary>
    public async Task LockAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT pg_advisory_xact_lock(hashtextextended('notify.replay_runs:' || @name, 0))");
        command.Parameters.Add(new NpgsqlParameter<string>("name", name));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<EarlierRun?> FindRunAsync(string replayKey, CancellationToken cancellationToken)
    {
        // jsonb equality ignores key order and whitespace: the same selection compares equal.
        await using var command = Command("""
            SELECT id, count, created_at, tenant_id = @tenant AND filter = @filter
            FROM notify.replay_runs
            WHERE replay_key = @key
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("key", replayKey));
        command.Parameters.Add(new NpgsqlParameter<Guid>("tenant", tenantId));
        command.Parameters.Add(Filter());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new EarlierRun(reader.GetInt64(0), reader.GetInt32(1), reader.GetDateTime(2), reader.GetBoolean(3))
            : null;
    }

    /// <summary>
    /// Locks the matched dead rows, at most <paramref name="limit"/> of them, so nothing else (another
    /// replay, the retention cleaner) changes them before they are revived in this transaction.
    /// </summary>
    public async Task<IReadOnlyList<(Guid Id, string Channel)>> LockMatchedAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = Command($"""
            SELECT d.id, d.channel
            FROM notify.deliveries d
            WHERE {selection.Where}
            ORDER BY d.id          -- the lock order of every multi-row writer of deliveries
            LIMIT @limit
            FOR UPDATE
            """);
        command.Parameters.AddRange(selection.Parameters.ToArray());
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var rows = new List<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetGuid(0), reader.GetString(1)));
        }
        return rows;
    }

    public async Task<int> CountMatchedAsync(CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT count(*) FROM notify.deliveries d WHERE {selection.Where}");
        command.Parameters.AddRange(selection.Parameters.ToArray());
        return checked((int)(long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>Rows the tenant replayed since the start of today and of this month, UTC.</summary>
    public Task<(long Today, long Month)> ReplayedAsync(CancellationToken cancellationToken)
        => ReplayedAsync(connection, transaction, tenantId, cancellationToken);

    /// <summary>Rows <paramref name="tenantId"/> replayed since the start of today and of this month, UTC.</summary>
    public static async Task<(long Today, long Month)> ReplayedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid tenantId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(sum(count) FILTER (WHERE created_at >= date_trunc('day', now(), 'UTC')), 0)::bigint,
                   coalesce(sum(count), 0)::bigint
            FROM notify.replay_runs
            WHERE tenant_id = @tenant AND created_at >= date_trunc('month', now(), 'UTC')
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid>("tenant", tenantId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Moves the locked rows back to the claimable statuses and wakes their channels' workers (the
    /// NOTIFY is delivered at commit, so no worker looks before the rows are visible). Returns the rows moved.
    /// </summary>
    public async Task<IReadOnlyList<(Guid Id, string Channel)>> ReviveAsync(IReadOnlyList<(Guid Id, string Channel)> rows,
        int attemptsPerReplay, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return rows;
        }
        // last_error_code/message stay until the next attempt replaces them: they say why it died.
        await using var command = Command("""
            WITH revived AS (
                UPDATE notify.deliveries d
                SET status = CASE WHEN d.attempt_count = 0 THEN 'PENDING' ELSE 'RETRYING' END,
                    next_attempt_at = now(),
                    max_attempts = d.attempt_count + @attempts,
                    locked_by = NULL,
                    lock_expires_at = NULL,
                    updated_at = now()
                FROM unnest(@ids, @channels) AS u(id, channel)
                WHERE d.id = u.id AND d.channel = u.channel AND d.status = 'DEAD'
                RETURNING d.id, d.channel
            ), woken AS (
                SELECT pg_notify('notify_' || c.channel, '') FROM (SELECT DISTINCT channel FROM revived) c
            )
            SELECT id, channel FROM revived, (SELECT count(*) FROM woken) w
            """);
        command.Parameters.Add(new NpgsqlParameter<int>("attempts", attemptsPerReplay));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. rows.Select(r => r.Id)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("channels", [.. rows.Select(r => r.Channel)]));
        var revived = new List<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            revived.Add((reader.GetGuid(0), reader.GetString(1)));
        }
        return revived;
    }

    public async Task<(long Id, DateTime CreatedAt)> RecordAsync(string? replayKey, string actor, string reason,
        IReadOnlyList<(Guid Id, string Channel)> replayed, CancellationToken cancellationToken)
    {
        await using var command = Command("""
            INSERT INTO notify.replay_runs (replay_key, tenant_id, actor, reason, filter, count)
            VALUES (@key, @tenant, @actor, @reason, @filter, @count)
            RETURNING id, created_at
            """);
        command.Parameters.Add(new NpgsqlParameter("key", NpgsqlDbType.Text) { Value = (object?)replayKey ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<Guid>("tenant", tenantId));
        command.Parameters.Add(new NpgsqlParameter<string>("actor", actor));
        command.Parameters.Add(new NpgsqlParameter<string>("reason", reason));
        command.Parameters.Add(Filter());
        command.Parameters.Add(new NpgsqlParameter<int>("count", replayed.Count));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetDateTime(1));
    }

    private NpgsqlParameter Filter()
        => new("filter", NpgsqlDbType.Jsonb) { Value = selection.Canonical.ToJsonString() };

    private NpgsqlCommand Command(string sql) => new(sql, connection, transaction);
}
