using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Outbox.DeadLetters;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Outbox;

/// <summary>Dead-letter listing, show and replay (with its limits) on a real database, dead rows made by the engine's own SQL.</summary>
public sealed class DeadLetterStoreTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly Guid OtherTenant = Guid.NewGuid();
    private OutboxDatabase _database = null!;
    private DeliveryStore _deliveries = null!;
    private DeadLetterStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _deliveries = new DeliveryStore(_database.DataSource);
        _store = Store(new DeadLetterOptions());
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Groups_count_dead_letters_by_channel_and_error_code_with_the_last_occurrence()
    {
        var early = new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
        var late = early.AddHours(3);
        await DieAsync(ChannelNames.Email, "550", diedAt: early);
        await DieAsync(ChannelNames.Email, "550", diedAt: late);
        await DieAsync(ChannelNames.Email, "421", diedAt: early);
        await DieAsync(ChannelNames.Sms, "21211", diedAt: late);
        await DieAsync(ChannelNames.Email, "550", diedAt: late.AddHours(1), tenant: OtherTenant);
        await _database.SeedAsync(ChannelNames.Email);  // pending: not a dead letter

        var mine = await _store.ListGroupsAsync(new DeadLetterFilter(TenantId: _database.TenantId), default);
        var email550Everyone = await _store.ListGroupsAsync(new DeadLetterFilter(Channel: ChannelNames.Email, ErrorCode: "550"), default);
        var lateOnly = await _store.ListGroupsAsync(new DeadLetterFilter(TenantId: _database.TenantId, From: late, To: late.AddSeconds(1)), default);

        Assert.Equal(
            [new DeadLetterGroup("email", "550", 2, late), new DeadLetterGroup("email", "421", 1, early), new DeadLetterGroup("sms", "21211", 1, late)],
            mine);
        Assert.Equal([new DeadLetterGroup("email", "550", 3, late.AddHours(1))], email550Everyone);
        Assert.Equal([new DeadLetterGroup("email", "550", 1, late), new DeadLetterGroup("sms", "21211", 1, late)], lateOnly);
    }

    [Fact]
    public async Task Show_returns_the_dead_delivery_with_every_attempt_it_made()
    {
        var id = await _database.SeedAsync(ChannelNames.Sms, recipient: "+15005550001", maxAttempts: 2);
        var first = (await _deliveries.ClaimAsync(ChannelNames.Sms, "worker-a", 1, Lease, default)).Single();
        await _deliveries.CompleteAsync(ChannelNames.Sms, [Failed(first, "RETRYING", "30003", DateTime.UtcNow.AddSeconds(-1))], default);
        var second = (await _deliveries.ClaimAsync(ChannelNames.Sms, "worker-b", 1, Lease, default)).Single();
        await _deliveries.CompleteAsync(ChannelNames.Sms, [Failed(second, "DEAD", "30005", null)], default);

        var shown = await _store.ShowAsync(id, default);

        Assert.NotNull(shown);
        Assert.True(shown.IsDead);
        Assert.Equal(_database.TenantId, shown.TenantId);
        Assert.Equal(("sms", "+15005550001", "30005", 2), (shown.Delivery.Channel, shown.Delivery.Recipient, shown.Delivery.LastErrorCode, shown.Delivery.AttemptCount));
        Assert.Equal([(1, "30003"), (2, "30005")], shown.Delivery.Attempts.Select(a => (a.AttemptNumber, a.ErrorCode)));
        Assert.Null(await _store.ShowAsync(Guid.NewGuid(), default));
    }

    [Fact]
    public async Task A_dry_run_returns_the_count_and_changes_nothing()
    {
        var ids = new[] { await DieAsync(ChannelNames.Email, "550"), await DieAsync(ChannelNames.Email, "550"), await DieAsync(ChannelNames.Email, "421") };
        var before = await SnapshotAsync();

        var result = await _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.Email, ErrorCode: "550"), dryRun: true, key: "dry-1"), default);

        Assert.Equal(new ReplayResult(2, DryRun: true, Repeated: false, RunId: null, CreatedAt: null), result);
        Assert.Equal(before, await SnapshotAsync());
        foreach (var id in ids)
        {
            Assert.Equal("DEAD", await Status(id));
        }
        Assert.Empty(await _deliveries.ClaimAsync(ChannelNames.Email, "worker-a", 10, Lease, default));
    }

    [Fact]
    public async Task A_replay_larger_than_the_maximum_is_refused_whole_and_changes_nothing()
    {
        for (var i = 0; i < 3; i++)
        {
            await DieAsync(ChannelNames.WhatsApp, "131026");
        }
        var before = await SnapshotAsync();

        var refused = await Assert.ThrowsAsync<ReplayRefusedException>(() =>
            _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.WhatsApp), maxRows: 2, key: "too-big"), default));
        var dryRefused = await Assert.ThrowsAsync<ReplayRefusedException>(() =>
            _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.WhatsApp), maxRows: 2, dryRun: true), default));

        Assert.Equal((ReplayRefusal.TooManyRows, 3L, 2L), (refused.Refusal, refused.Requested, refused.Limit));
        Assert.Contains("maximum of 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ReplayRefusal.TooManyRows, dryRefused.Refusal);
        Assert.Equal(before, await SnapshotAsync());
        // The key was not spent by the refused replay: a smaller one under it goes ahead.
        Assert.Equal(3, (await _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.WhatsApp), maxRows: 3, key: "too-big"), default)).Count);
    }

    [Fact]
    public async Task Replay_by_ids_moves_exactly_the_tenants_dead_rows_named_and_they_are_claimed_again_with_their_history()
    {
        var a = await DieAsync(ChannelNames.Email, "550");
        var b = await DieAsync(ChannelNames.Email, "421");
        var untouched = await DieAsync(ChannelNames.Email, "550");
        var othersTenant = await DieAsync(ChannelNames.Email, "550", tenant: OtherTenant);
        var pending = await _database.SeedAsync(ChannelNames.Sms);

        var result = await _store.ReplayAsync(Request(ids: [a, b, othersTenant, pending, Guid.NewGuid()]), default);

        Assert.Equal(2, result.Count);
        Assert.False(result.Repeated);
        Assert.NotNull(result.RunId);
        Assert.Equal(("RETRYING", "RETRYING", "DEAD", "DEAD"), (await Status(a), await Status(b), await Status(untouched), await Status(othersTenant)));
        var claimed = await _deliveries.ClaimAsync(ChannelNames.Email, "worker-a", 10, Lease, default);
        Assert.Equal(new[] { a, b }.Order(), claimed.Select(c => c.Id).Order());
        // One more attempt is allowed: the second, of at most two; the first attempt is still on record.
        Assert.All(claimed, c => Assert.Equal((2, 2), (c.AttemptNumber, c.MaxAttempts)));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.delivery_attempts WHERE delivery_id = @id", a));
        Assert.Equal(("maintainer@example.com", "INC-7 provider outage", 2),
            await RunAsync(result.RunId.Value));
    }

    [Fact]
    public async Task Replay_by_filter_moves_exactly_the_matching_rows_and_wakes_their_channel()
    {
        var match1 = await DieAsync(ChannelNames.Email, "550");
        var match2 = await DieAsync(ChannelNames.Email, "550");
        var otherCode = await DieAsync(ChannelNames.Email, "421");
        var otherChannel = await DieAsync(ChannelNames.Sms, "550");
        var otherTenant = await DieAsync(ChannelNames.Email, "550", tenant: OtherTenant);
        await using var listener = await _database.DataSource.OpenConnectionAsync();
        var woken = new List<string>();
        listener.Notification += (_, e) => woken.Add(e.Channel);
        await using (var listen = new NpgsqlCommand("LISTEN notify_email; LISTEN notify_sms", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var result = await _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.Email, ErrorCode: "550")), default);

        Assert.Equal(2, result.Count);
        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["notify_email"], woken);
        Assert.Equal(("RETRYING", "RETRYING"), (await Status(match1), await Status(match2)));
        Assert.Equal(("DEAD", "DEAD", "DEAD"), (await Status(otherCode), await Status(otherChannel), await Status(otherTenant)));
        Assert.Empty(await _deliveries.ClaimAsync(ChannelNames.Sms, "worker-a", 10, Lease, default));
        var claimed = await _deliveries.ClaimAsync(ChannelNames.Email, "worker-a", 10, Lease, default);
        Assert.Equal(new[] { match1, match2 }.Order(), claimed.Select(c => c.Id).Order());
        Assert.Empty(await _store.ListGroupsAsync(new DeadLetterFilter(TenantId: _database.TenantId, ErrorCode: "550", Channel: ChannelNames.Email), default));
    }

    [Fact]
    public async Task The_same_replay_key_again_returns_the_first_runs_result_and_replays_nothing_more()
    {
        await DieAsync(ChannelNames.Push, "UNREGISTERED");
        await DieAsync(ChannelNames.Push, "UNREGISTERED");
        var request = Request(filter: new(Channel: ChannelNames.Push, ErrorCode: "UNREGISTERED"), key: "INC-2026-11-24-001");

        var first = await _store.ReplayAsync(request, default);
        var diedSince = await DieAsync(ChannelNames.Push, "UNREGISTERED");
        // A retry of the same request, by another operator and with another reason, is the same replay.
        var again = await _store.ReplayAsync(request with { Actor = "someone-else", Reason = "retrying the call" }, default);

        Assert.Equal(2, first.Count);
        Assert.Equal(first with { Repeated = true }, again);
        Assert.Equal("DEAD", await Status(diedSince));
        Assert.Equal(1L, await CountRunsAsync());
    }

    [Fact]
    public async Task A_replay_key_reused_for_a_different_request_is_refused_and_changes_nothing()
    {
        var email = await DieAsync(ChannelNames.Email, "550");
        var sms = await DieAsync(ChannelNames.Sms, "550");
        var othersSms = await DieAsync(ChannelNames.Sms, "550", tenant: OtherTenant);
        await _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.Email), key: "INC-9"), default);

        var otherSelection = await Assert.ThrowsAsync<ReplayRefusedException>(() =>
            _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.Sms), key: "INC-9"), default));
        var otherTenant = await Assert.ThrowsAsync<ReplayRefusedException>(() =>
            _store.ReplayAsync(Request(filter: new(Channel: ChannelNames.Email), key: "INC-9") with { TenantId = OtherTenant }, default));
        var byIds = await Assert.ThrowsAsync<ReplayRefusedException>(() => _store.ReplayAsync(Request(ids: [sms], key: "INC-9"), default));

        Assert.All([otherSelection, otherTenant, byIds], e => Assert.Equal(ReplayRefusal.ReplayKeyReused, e.Refusal));
        Assert.Contains("INC-9", otherSelection.Message, StringComparison.Ordinal);
        Assert.Equal(("RETRYING", "DEAD", "DEAD"), (await Status(email), await Status(sms), await Status(othersSms)));
        Assert.Equal(1L, await CountRunsAsync());
    }

    [Fact]
    public async Task An_exhausted_daily_or_monthly_budget_refuses_the_replay_and_changes_nothing()
    {
        var daily = Store(new DeadLetterOptions { DailyReplayBudget = 3, MonthlyReplayBudget = 100 });
        var monthly = Store(new DeadLetterOptions { DailyReplayBudget = 100, MonthlyReplayBudget = 3 });
        var first = new[] { await DieAsync(ChannelNames.Webhook, "410"), await DieAsync(ChannelNames.Webhook, "410") };
        var next = new[] { await DieAsync(ChannelNames.Webhook, "500"), await DieAsync(ChannelNames.Webhook, "500") };
        var theirs = await DieAsync(ChannelNames.Webhook, "500", tenant: OtherTenant);

        Assert.Equal(2, (await daily.ReplayAsync(Request(ids: first), default)).Count);
        var before = await SnapshotAsync();
        var overDaily = await Assert.ThrowsAsync<ReplayRefusedException>(() => daily.ReplayAsync(Request(ids: next), default));
        Assert.Equal(before, await SnapshotAsync());
        // Exactly up to the budget is allowed, and the budget is the tenant's own.
        Assert.Equal(1, (await daily.ReplayAsync(Request(ids: [next[0]]), default)).Count);
        Assert.Equal(1, (await daily.ReplayAsync(Request(ids: [theirs]) with { TenantId = OtherTenant }, default)).Count);
        // This month the tenant has replayed 3 rows: a fourth is over a monthly budget of 3, even as a dry run.
        var overMonthly = await Assert.ThrowsAsync<ReplayRefusedException>(() => monthly.ReplayAsync(Request(ids: [next[1]]), default));
        var dryOverMonthly = await Assert.ThrowsAsync<ReplayRefusedException>(() => monthly.ReplayAsync(Request(ids: [next[1]], dryRun: true), default));

        Assert.Equal((ReplayRefusal.DailyBudget, 4L, 3L), (overDaily.Refusal, overDaily.Requested, overDaily.Limit));
        Assert.Contains("daily replay budget of 3", overDaily.Message, StringComparison.Ordinal);
        Assert.Equal((ReplayRefusal.MonthlyBudget, 4L, 3L), (overMonthly.Refusal, overMonthly.Requested, overMonthly.Limit));
        Assert.Equal(ReplayRefusal.MonthlyBudget, dryOverMonthly.Refusal);
        Assert.Equal("DEAD", await Status(next[1]));
    }

    [Fact]
    public async Task A_malformed_replay_is_refused_with_the_field_named()
    {
        var id = await DieAsync(ChannelNames.Email, "550");

        var both = await Assert.ThrowsAsync<ArgumentException>(() => _store.ReplayAsync(Request(ids: [id], filter: new()), default));
        var channel = await Assert.ThrowsAsync<ArgumentException>(() => _store.ReplayAsync(Request(filter: new(Channel: "fax")), default));
        var noReason = await Assert.ThrowsAsync<ArgumentException>(() => _store.ReplayAsync(Request(ids: [id]) with { Reason = " " }, default));

        Assert.StartsWith("ids, filter:", both.Message, StringComparison.Ordinal);
        Assert.StartsWith("channel:", channel.Message, StringComparison.Ordinal);
        Assert.StartsWith("reason:", noReason.Message, StringComparison.Ordinal);
        Assert.Equal("DEAD", await Status(id));
    }

    private DeadLetterStore Store(DeadLetterOptions options) => new(_database.DataSource, Microsoft.Extensions.Options.Options.Create(options));

    private ReplayRequest Request(IReadOnlyList<Guid>? ids = null, DeadLetterFilter? filter = null, bool dryRun = false, string? key = null, int maxRows = 100)
        => new(_database.TenantId, ids, filter, dryRun, key, "maintainer@example.com", "INC-7 provider outage", maxRows);

    /// <summary>
    /// A delivery that died as the engine kills one: claimed, one failed call, completed DEAD
    /// (max_attempts 1). Then, if asked, moved to another tenant or back in time.
    /// </summary>
    private async Task<Guid> DieAsync(string channel, string errorCode, DateTime? diedAt = null, Guid? tenant = null)
    {
        var id = await _database.SeedAsync(channel, maxAttempts: 1);
        var claimed = (await _deliveries.ClaimAsync(channel, "worker-x", 100, Lease, default)).Single(c => c.Id == id);
        await _deliveries.CompleteAsync(channel, [Failed(claimed, "DEAD", errorCode, null)], default);
        await using var command = _database.DataSource.CreateCommand("""
            UPDATE notify.deliveries SET tenant_id = coalesce(@tenant, tenant_id), updated_at = coalesce(@died, updated_at) WHERE id = @id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
        command.Parameters.Add(new NpgsqlParameter("tenant", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)tenant ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("died", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)diedAt ?? DBNull.Value });
        await command.ExecuteNonQueryAsync();
        return id;
    }

    private static DeliveryCompletion Failed(ClaimedDelivery claimed, string status, string errorCode, DateTime? next)
        => new(claimed.Id, claimed.TenantId, claimed.LeaseToken, status, next, "provider", null, errorCode, "provider said no",
            [new AttemptRecord(claimed.AttemptNumber, "worker-x", "provider", DateTime.UtcNow, 5, "permanent", 400, errorCode, "provider said no", null)]);

    private Task<string> Status(Guid id) => _database.StatusAsync(id);

    private async Task<long> CountRunsAsync()
    {
        await using var command = _database.DataSource.CreateCommand("SELECT count(*) FROM notify.replay_runs");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(string Actor, string Reason, int Count)> RunAsync(long runId)
    {
        await using var command = _database.DataSource.CreateCommand("SELECT actor, reason, count FROM notify.replay_runs WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
    }

    /// <summary>Every delivery's state and every replay run, to show that a refused or dry replay changed nothing.</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var command = _database.DataSource.CreateCommand("""
            SELECT (SELECT string_agg(concat_ws('|', id, status, attempt_count, max_attempts, next_attempt_at, updated_at), ',' ORDER BY id)
                    FROM notify.deliveries)
                || ';' || (SELECT count(*) FROM notify.replay_runs)
                || ';' || (SELECT count(*) FROM notify.delivery_attempts)
            """);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
