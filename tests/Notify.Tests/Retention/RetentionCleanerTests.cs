using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging.Abstractions;
using Notify.Outbox;
using Notify.Outbox.Retention;
using Notify.Tests.Infrastructure;
using static Notify.Tests.Retention.RetentionHistory;

namespace Notify.Tests.Retention;

/// <summary>The retention cleanup on a real database: what goes, what stays, the archive, the batch bounds and the leader lock.</summary>
public sealed class RetentionCleanerTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Old = TimeSpan.FromDays(40);
    private static readonly TimeSpan Young = TimeSpan.FromDays(10);
    private static readonly RetentionRun Defaults = RetentionRun.From(new RetentionOptions());

    private OutboxDatabase _database = null!;
    private RetentionHistory _history = null!;
    private RetentionCleaner _cleaner = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _history = new RetentionHistory(_database.DataSource);
        _cleaner = NewCleaner();
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Old_finished_notifications_are_archived_then_deleted_with_their_deliveries_attempts_and_receipts()
    {
        var id = await _history.SeedAsync(Old, DeliveryStatuses.Delivered, DeliveryStatuses.Failed, DeliveryStatuses.Dead);

        var result = await _cleaner.RunAsync(Defaults, null, default);

        Assert.True(result.Ran);
        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Live, id));
        Assert.Equal(new TableCounts(1, 3, 3, 3), await _history.CountAsync(Archive, id));
        Assert.Equal(new TableCounts(1, 3, 3, 3), result.Deleted);
        Assert.Equal(result.Deleted, result.Archived);
        Assert.False(result.MoreRemaining);
        // The archived rows are the rows as they were, stamped with when they left.
        Assert.Equal("DEAD,DELIVERED,FAILED", await _history.ScalarAsync<string>(
            "SELECT string_agg(status, ',' ORDER BY status) FROM notify_archive.deliveries WHERE id BETWEEN @id AND @last", id));
        Assert.Equal("user1@example.com", await _history.ScalarAsync<string>(
            "SELECT recipient FROM notify_archive.deliveries WHERE id = @id", UuidV7.DeliveryId(id, 1)));
        var archivedAt = await _history.ScalarAsync<DateTime>("SELECT archived_at FROM notify_archive.notifications WHERE id = @id", id);
        Assert.Equal(DateTime.UtcNow, archivedAt, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Notifications_younger_than_the_retention_stay()
    {
        var young = await _history.SeedAsync(Young, DeliveryStatuses.Delivered, DeliveryStatuses.Sent);
        var old = await _history.SeedAsync(Old, DeliveryStatuses.Delivered);

        var result = await _cleaner.RunAsync(Defaults, null, default);

        Assert.Equal(new TableCounts(1, 2, 2, 2), await _history.CountAsync(Live, young));
        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Archive, young));
        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Live, old));
        Assert.Equal(1, result.Deleted.Notifications);
    }

    [Theory]
    [InlineData(DeliveryStatuses.Pending)]
    [InlineData(DeliveryStatuses.Sending)]
    [InlineData(DeliveryStatuses.Retrying)]
    public async Task An_old_notification_with_a_delivery_still_to_finish_is_kept_whole(string live)
    {
        var id = await _history.SeedAsync(Old, DeliveryStatuses.Delivered, live, DeliveryStatuses.Skipped);

        var result = await _cleaner.RunAsync(Defaults, null, default);

        Assert.Equal(new TableCounts(1, 3, 3, 3), await _history.CountAsync(Live, id));
        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Archive, id));
        Assert.Equal(TableCounts.Zero, result.Deleted);
    }

    [Fact]
    public async Task Every_final_status_counts_as_finished()
    {
        var id = await _history.SeedAsync(Old, DeliveryStatuses.Sent, DeliveryStatuses.Delivered, DeliveryStatuses.Failed,
            DeliveryStatuses.Dead, DeliveryStatuses.Skipped, DeliveryStatuses.Cancelled, DeliveryStatuses.Expired);

        await _cleaner.RunAsync(Defaults, null, default);

        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Live, id));
        Assert.Equal(new TableCounts(1, 7, 7, 7), await _history.CountAsync(Archive, id));
    }

    [Fact]
    public async Task Without_archive_before_delete_rows_are_deleted_and_nothing_is_archived()
    {
        var id = await _history.SeedAsync(Old, DeliveryStatuses.Delivered, DeliveryStatuses.Dead);

        var result = await _cleaner.RunAsync(Defaults with { ArchiveBeforeDelete = false }, null, default);

        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Live, id));
        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Archive, id));
        Assert.Equal(new TableCounts(1, 2, 2, 2), result.Deleted);
        Assert.Equal(TableCounts.Zero, result.Archived);
    }

    [Fact]
    public async Task Max_batches_bounds_a_run_and_the_next_run_carries_on()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _history.SeedAsync(Old + TimeSpan.FromMinutes(i), DeliveryStatuses.Delivered));
        }
        var bounded = Defaults with { BatchSize = 2, MaxBatches = 1 };

        var first = await _cleaner.RunAsync(bounded, null, default);

        Assert.Equal((1, 2L, true), (first.Batches, first.Deleted.Notifications, first.MoreRemaining));
        Assert.Equal(3, await LiveNotificationsAsync(ids));

        var rest = await _cleaner.RunAsync(bounded with { MaxBatches = 10 }, null, default);

        Assert.Equal((3L, false), (rest.Deleted.Notifications, rest.MoreRemaining));
        Assert.Equal(0, await LiveNotificationsAsync(ids));
        Assert.Equal(5, await _history.ScalarAsync<long>("SELECT count(*) FROM notify_archive.notifications WHERE id <> @id", Guid.Empty));
    }

    [Fact]
    public async Task Old_receipts_without_a_delivery_go_and_receipts_of_a_kept_delivery_stay()
    {
        var refused = await _history.SeedReceiptAsync(Old, deliveryId: null, "refused");
        var unknown = await _history.SeedReceiptAsync(Old, deliveryId: Guid.NewGuid(), "unknown_delivery");
        var youngRefused = await _history.SeedReceiptAsync(Young, deliveryId: null, "refused");
        var pending = await _history.SeedAsync(Old, DeliveryStatuses.Pending);
        var late = await _history.SeedReceiptAsync(Old - TimeSpan.FromDays(1), UuidV7.DeliveryId(pending, 0), "informational");

        var result = await _cleaner.RunAsync(Defaults, null, default);

        Assert.Equal((0L, 0L), (await _history.ReceiptCountAsync(Live, refused), await _history.ReceiptCountAsync(Live, unknown)));
        Assert.Equal((1L, 1L), (await _history.ReceiptCountAsync(Archive, refused), await _history.ReceiptCountAsync(Archive, unknown)));
        Assert.Equal(1L, await _history.ReceiptCountAsync(Live, youngRefused));
        Assert.Equal(1L, await _history.ReceiptCountAsync(Live, late));
        Assert.Equal(new TableCounts(1, 1, 1, 2), await _history.CountAsync(Live, pending));
        Assert.Equal(TableCounts.Zero with { ReceiptEvents = 2 }, result.Deleted);
    }

    [Fact]
    public async Task The_archive_purge_deletes_archive_rows_past_their_retention_only()
    {
        var expired = await _history.SeedAsync(Old, DeliveryStatuses.Delivered, DeliveryStatuses.Failed);
        var recent = await _history.SeedAsync(Old, DeliveryStatuses.Delivered);
        await _cleaner.RunAsync(Defaults, null, default);
        await _history.ScalarAsync<long>("""
            WITH a AS (UPDATE notify_archive.notifications SET archived_at = now() - interval '400 days' WHERE id = @id RETURNING 1),
                 b AS (UPDATE notify_archive.deliveries SET archived_at = now() - interval '400 days' WHERE id BETWEEN @id AND @last RETURNING 1),
                 c AS (UPDATE notify_archive.delivery_attempts SET archived_at = now() - interval '400 days' WHERE delivery_id BETWEEN @id AND @last RETURNING 1),
                 d AS (UPDATE notify_archive.receipt_events SET archived_at = now() - interval '400 days' WHERE delivery_id BETWEEN @id AND @last RETURNING 1)
            SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM c) + (SELECT count(*) FROM d)
            """, expired);

        var result = await _cleaner.RunAsync(Defaults, null, default);

        Assert.Equal(new TableCounts(1, 2, 2, 2), result.Purged);
        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Archive, expired));
        Assert.Equal(new TableCounts(1, 1, 1, 1), await _history.CountAsync(Archive, recent));

        var withoutPurge = await _cleaner.RunAsync(Defaults with { ArchiveRetentionDays = 1, PurgeArchive = false }, null, default);
        Assert.Equal(TableCounts.Zero, withoutPurge.Purged);
        Assert.Equal(new TableCounts(1, 1, 1, 1), await _history.CountAsync(Archive, recent));
    }

    [Fact]
    public async Task Of_two_cleaners_racing_only_one_runs_and_the_lock_is_free_afterwards()
    {
        var id = await _history.SeedAsync(Old, DeliveryStatuses.Delivered);
        using var progress = new HoldingProgress();
        var first = Task.Run(() => _cleaner.RunAsync(Defaults, progress, default));
        Assert.True(progress.Reached.Wait(TimeSpan.FromSeconds(30)), "the first cleaner never reported a batch");

        // The first run holds the lock while it waits inside its progress report.
        var second = await NewCleaner().RunAsync(Defaults, null, default);
        progress.Release.Set();
        var winner = await first;

        Assert.False(second.Ran);
        Assert.Equal((TableCounts.Zero, 0), (second.Deleted, second.Batches));
        Assert.True(winner.Ran);
        Assert.Equal(new TableCounts(1, 1, 1, 1), winner.Deleted);
        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Live, id));
        Assert.True((await NewCleaner().RunAsync(Defaults, null, default)).Ran);
    }

    [Fact]
    public async Task Values_out_of_range_are_refused_with_the_values_name_and_nothing_deleted()
    {
        var id = await _history.SeedAsync(Old, DeliveryStatuses.Delivered);

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _cleaner.RunAsync(Defaults with { BatchSize = 0 }, null, default));

        Assert.Equal("BatchSize", error.ParamName);
        Assert.Equal(new TableCounts(1, 1, 1, 1), await _history.CountAsync(Live, id));
        var options = new RetentionOptions { RetentionDays = 0, Interval = TimeSpan.FromDays(30) };
        var problems = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), problems, validateAllProperties: true));
        Assert.Equal(["Interval", "RetentionDays"], problems.SelectMany(p => p.MemberNames).Order());
    }

    [Fact]
    public async Task Every_live_column_has_its_archive_column_in_the_same_order()
    {
        foreach (var table in new[] { "notifications", "deliveries", "delivery_attempts", "receipt_events" })
        {
            await using var command = _database.DataSource.CreateCommand("""
                SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position)
                FROM information_schema.columns WHERE table_schema = @schema AND table_name = @table
                """);
            command.Parameters.AddWithValue("table", table);
            var schema = command.Parameters.AddWithValue("schema", Live);
            var live = (string)(await command.ExecuteScalarAsync())!;
            schema.Value = Archive;
            var archive = (string)(await command.ExecuteScalarAsync())!;

            Assert.Equal("archived_at:timestamp with time zone," + live, archive);
        }
    }

    private RetentionCleaner NewCleaner() => new(_database.DataSource, TimeProvider.System, NullLogger<RetentionCleaner>.Instance);

    private async Task<long> LiveNotificationsAsync(IEnumerable<Guid> ids)
    {
        long count = 0;
        foreach (var id in ids)
        {
            count += (await _history.CountAsync(Live, id)).Notifications;
        }
        return count;
    }

    /// <summary>Holds the run inside its first progress report (and so inside its lock) until released.</summary>
    private sealed class HoldingProgress : IProgress<RetentionProgress>, IDisposable
    {
        public ManualResetEventSlim Reached { get; } = new();
        public ManualResetEventSlim Release { get; } = new();

        public void Report(RetentionProgress value)
        {
            Reached.Set();
            Release.Wait(TimeSpan.FromSeconds(60));
        }

        public void Dispose()
        {
            Reached.Dispose();
            Release.Dispose();
        }
    }
}
