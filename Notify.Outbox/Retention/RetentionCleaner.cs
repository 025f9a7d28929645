using Microsoft.Extensions.Logging;
using Npgsql;

namespace Notify.Outbox.Retention;

/// <summary>
/// Deletes finished history: notifications accepted more than RetentionDays ago whose every
/// delivery is final, with their deliveries, attempts and receipts, then receipts that have no
/// delivery, then archive rows past ArchiveRetentionDays. Rows are archived (optionally) in the
/// statement that deletes them. Each batch is its own short transaction, so the cleanup never
/// holds locks or a snapshot for long and can stop at any point (cancellation, MaxBatches) with
/// everything done so far kept.
/// </summary>
/// <remarks>
/// One run at a time across every replica: a run first takes the session-level advisory lock
/// <see cref="LockKey"/> on a connection of its own and gives up at once if another process
/// holds it (<see cref="RetentionResult.Ran"/> = false). The scheduled run and an operator's
/// <c>cleanup run</c> share the lock, so they never race each other either.
/// </remarks>
public sealed partial class RetentionCleaner(NpgsqlDataSource dataSource, TimeProvider time, ILogger<RetentionCleaner> logger)
{
    /// <summary>
    /// The advisory lock key held for a whole run: "Notify" in ASCII, then 02 (01 is the
    /// migration lock, see OutboxMigrator). To see who holds it:
    /// <c>SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 5140340 AND objid = 1768323330</c>
    /// (the key's high and low 32 bits).
    /// </summary>
    public const long LockKey = 0x4E6F74696679_02;

    /// <summary>Runs one cleanup and says what it did. Throws <see cref="ArgumentOutOfRangeException"/> for values out of range.</summary>
    public async Task<RetentionResult> RunAsync(RetentionRun run, IProgress<RetentionProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.Validate();
        var started = time.GetTimestamp();

        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await TryLockAsync(lockConnection, cancellationToken))
        {
            LogNotLeader(logger);
            return RetentionResult.NotLeader(time.GetElapsedTime(started));
        }
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var state = new RunState(run, progress);
            var now = time.GetUtcNow();
            var cutoff = now.AddDays(-run.RetentionDays);

            await DeleteNotificationsAsync(connection, state, cutoff, cancellationToken);
            await DeleteOrphanReceiptsAsync(connection, state, cutoff, cancellationToken);
            if (run.PurgeArchive)
            {
                await PurgeArchiveAsync(connection, state, now.AddDays(-run.ArchiveRetentionDays), cancellationToken);
            }

            var result = new RetentionResult(true, state.Deleted, state.Archived, state.Purged, state.Batches, state.MoreRemaining,
                time.GetElapsedTime(started));
            RetentionMetrics.RecordRun(result.Duration);
            LogRun(logger, result.Deleted.Notifications, result.Deleted.Deliveries, result.Deleted.DeliveryAttempts,
                result.Deleted.ReceiptEvents, result.Archived.Total, result.Purged.Total, result.Batches, result.Duration.TotalSeconds,
                result.MoreRemaining);
            return result;
        }
        finally
        {
            await UnlockAsync(lockConnection);
        }
    }

    private async Task DeleteNotificationsAsync(NpgsqlConnection connection, RunState state, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var after = Guid.Empty;
        while (state.TakeBatch())
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(RetentionStatements.NotificationsBatch, connection, transaction);
            AddRange(command, after, cutoff, state.Run);
            long chosen, liveDeleted;
            Guid? last;
            TableCounts deleted, archived;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                chosen = reader.GetInt64(0);
                last = reader.IsDBNull(1) ? null : reader.GetGuid(1);
                liveDeleted = reader.GetInt64(2);
                deleted = new TableCounts(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
                archived = new TableCounts(reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10));
            }

            if (liveDeleted > 0)
            {
                // A delivery of the batch became live again (a replay) after the batch was chosen.
                await transaction.RollbackAsync(cancellationToken);
                LogBatchRaced(logger, liveDeleted);
                state.Report(RetentionPhase.Notifications);
                continue;
            }
            await transaction.CommitAsync(cancellationToken);
            state.Add(deleted, archived, TableCounts.Zero);
            state.Report(RetentionPhase.Notifications);

            if (last is null || chosen < state.Run.BatchSize)
            {
                return;
            }
            after = last.Value;
            state.MoreRemaining = true;
        }
    }

    private async Task DeleteOrphanReceiptsAsync(NpgsqlConnection connection, RunState state, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var after = Guid.Empty;
        while (state.TakeBatch())
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(RetentionStatements.OrphanReceiptsBatch, connection, transaction);
            AddRange(command, after, cutoff, state.Run);
            long chosen, deleted, archived;
            Guid? last;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                chosen = reader.GetInt64(0);
                last = reader.IsDBNull(1) ? null : reader.GetGuid(1);
                deleted = reader.GetInt64(2);
                archived = reader.GetInt64(3);
            }
            await transaction.CommitAsync(cancellationToken);
            state.Add(TableCounts.Zero with { ReceiptEvents = deleted }, TableCounts.Zero with { ReceiptEvents = archived }, TableCounts.Zero);
            state.Report(RetentionPhase.OrphanReceipts);

            if (last is null || chosen < state.Run.BatchSize)
            {
                return;
            }
            after = last.Value;
            state.MoreRemaining = true;
        }
    }

    private static async Task PurgeArchiveAsync(NpgsqlConnection connection, RunState state, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        while (state.TakeBatch())
        {
            // One statement: its own transaction.
            await using var command = new NpgsqlCommand(RetentionStatements.ArchivePurgeBatch, connection);
            command.Parameters.AddWithValue("cutoff", cutoff);
            command.Parameters.AddWithValue("limit", state.Run.BatchSize);
            TableCounts purged;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                purged = new TableCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            }
            state.Add(TableCounts.Zero, TableCounts.Zero, purged);
            state.Report(RetentionPhase.ArchivePurge);

            if (purged.ByTable().All(t => t.Count < state.Run.BatchSize))
            {
                return;
            }
            state.MoreRemaining = true;
        }
    }

    private static void AddRange(NpgsqlCommand command, Guid after, DateTimeOffset cutoff, RetentionRun run)
    {
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("cutoff_id", UuidV7.MinForTime(cutoff));
        command.Parameters.AddWithValue("cutoff", cutoff);
        command.Parameters.AddWithValue("limit", run.BatchSize);
        command.Parameters.AddWithValue("archive", run.ArchiveBeforeDelete);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockKey})", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task UnlockAsync(NpgsqlConnection connection)
    {
        // Explicitly: a pooled connection only resets its session when it is next used, so
        // without this the lock would stay held by an idle connection in the pool. If the
        // connection is broken the server has released the lock with the session already.
        try
        {
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            LogUnlockFailed(logger, e);
            // Never hand a connection that may still hold the lock back to the pool: this closes
            // it when it is returned, which ends the session and its lock.
            NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>A run's counters and its batch budget (MaxBatches, shared by all phases).</summary>
    private sealed class RunState(RetentionRun run, IProgress<RetentionProgress>? progress)
    {
        public RetentionRun Run { get; } = run;
        public TableCounts Deleted { get; private set; } = TableCounts.Zero;
        public TableCounts Archived { get; private set; } = TableCounts.Zero;
        public TableCounts Purged { get; private set; } = TableCounts.Zero;
        public int Batches { get; private set; }

        /// <summary>
        /// Set when a phase's last batch was full, or a phase could not take a batch at all: the
        /// budget ran out with work possibly left. Cleared when a batch is taken.
        /// </summary>
        public bool MoreRemaining { get; set; }

        public bool TakeBatch()
        {
            if (Batches >= Run.MaxBatches)
            {
                MoreRemaining = true;
                return false;
            }
            Batches++;
            MoreRemaining = false;
            return true;
        }

        public void Add(TableCounts deleted, TableCounts archived, TableCounts purged)
        {
            Deleted += deleted;
            Archived += archived;
            Purged += purged;
            RetentionMetrics.RecordBatch(deleted, archived, purged);
        }

        public void Report(RetentionPhase phase) => progress?.Report(new RetentionProgress(phase, Batches, Run.MaxBatches, Deleted, Purged, Archived));
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information,
        Message = "Retention run: deleted {Notifications} notifications, {Deliveries} deliveries, {Attempts} attempts, {Receipts} receipts; " +
                  "archived {Archived} rows; purged {Purged} archive rows; {Batches} batches in {DurationSeconds:0.000} s; more remaining: {MoreRemaining}")]
    private static partial void LogRun(ILogger logger, long notifications, long deliveries, long attempts, long receipts,
        long archived, long purged, int batches, double durationSeconds, bool moreRemaining);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Retention run skipped: another process holds the cleanup lock")]
    private static partial void LogNotLeader(ILogger logger);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information,
        Message = "Retention batch rolled back: {Count} of its deliveries became live again after it was chosen (a replay); choosing again")]
    private static partial void LogBatchRaced(ILogger logger, long count);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Releasing the retention lock failed; closing its connection ends it")]
    private static partial void LogUnlockFailed(ILogger logger, Exception exception);
}
