using Npgsql;

namespace Notify.Outbox.Status;

/// <summary>
/// Writes channel workers' heartbeats into <c>notify.workers</c> (see
/// <c>Migrations/0010_workers.sql</c>): one upsert per beat, one delete on a clean stop. The
/// status reader (<see cref="SystemStatusReader"/>) lists the rows seen recently.
/// </summary>
public sealed class WorkerHeartbeatStore(NpgsqlDataSource dataSource)
{
    // seen_at takes the database's clock, the one the reader judges staleness with. The
    // circuits object is built in SQL from two arrays, so no JSON is written by hand.
    private const string BeatSql = """
        INSERT INTO notify.workers AS w (worker_id, channel, host, pid, started_at, seen_at, circuits, paused, claiming)
        VALUES ($1, $2, $3, $4, $5, now(), jsonb_object($6::text[], $7::text[]), $8, $9)
        ON CONFLICT (worker_id) DO UPDATE SET
            channel = excluded.channel,
            host = excluded.host,
            pid = excluded.pid,
            started_at = excluded.started_at,
            seen_at = excluded.seen_at,
            circuits = excluded.circuits,
            paused = excluded.paused,
            claiming = excluded.claiming
        """;

    /// <summary>Records <paramref name="beat"/> (inserts the worker's row, or refreshes it).</summary>
    public async Task BeatAsync(WorkerBeat beat, CancellationToken cancellationToken)
    {
        ChannelNames.Require(beat.Channel);
        await using var command = dataSource.CreateCommand(BeatSql);
        command.Parameters.Add(new() { Value = beat.WorkerId });
        command.Parameters.Add(new() { Value = beat.Channel });
        command.Parameters.Add(new() { Value = beat.Host });
        command.Parameters.Add(new() { Value = beat.Pid });
        command.Parameters.Add(new() { Value = beat.StartedAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = beat.Circuits.Select(c => c.Provider).ToArray() });
        command.Parameters.Add(new() { Value = beat.Circuits.Select(c => c.State).ToArray() });
        command.Parameters.Add(new() { Value = beat.Paused.ToArray() });
        command.Parameters.Add(new() { Value = beat.Claiming });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes the row of <paramref name="workerId"/> (a clean stop); false when there was none.</summary>
    public async Task<bool> RemoveAsync(string workerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM notify.workers WHERE worker_id = $1");
        command.Parameters.Add(new() { Value = workerId });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
