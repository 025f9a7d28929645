using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Delivery;

/// <summary>The engine's claim, complete, reap and release SQL on a real database.</summary>
public sealed class DeliveryStoreTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private OutboxDatabase _database = null!;
    private DeliveryStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _store = new DeliveryStore(_database.DataSource);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Claim_takes_due_deliveries_of_its_own_channel_transactional_first()
    {
        var bulk = await SeedAsync(ChannelNames.Email, priority: 1);
        var transactional = await SeedAsync(ChannelNames.Email, priority: 0);
        await SeedAsync(ChannelNames.Sms);
        await SeedAsync(ChannelNames.Email, sendAt: DateTime.UtcNow.AddHours(1));

        var claimed = await _store.ClaimAsync(ChannelNames.Email, "worker-a", 10, Lease, default);

        Assert.Equal([transactional, bulk], claimed.Select(c => c.Id));
        Assert.All(claimed, c => Assert.Equal(1, c.LeaseToken));
        Assert.All(claimed, c => Assert.NotNull(c.Content));
        Assert.Equal("SENDING", await StatusAsync(bulk));
        Assert.Equal("worker-a", await ScalarAsync<string>("SELECT locked_by FROM notify.deliveries WHERE id = @id", bulk));
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_delivery()
    {
        var seeded = new HashSet<Guid>();
        for (var i = 0; i < 200; i++)
        {
            seeded.Add(await SeedAsync(ChannelNames.Email));
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var mine = new List<Guid>();
            while (true)
            {
                var batch = await _store.ClaimAsync(ChannelNames.Email, $"worker-{w}", 7, Lease, default);
                if (batch.Count == 0)
                {
                    return mine;
                }
                mine.AddRange(batch.Select(c => c.Id));
            }
        })));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(200, all.Count);
        Assert.True(seeded.SetEquals(all));
    }

    [Fact]
    public async Task A_worker_whose_lease_expired_cannot_overwrite_the_new_owner()
    {
        var id = await SeedAsync(ChannelNames.Email);
        var stale = (await _store.ClaimAsync(ChannelNames.Email, "worker-a", 1, Lease, default)).Single();
        await ExpireLeaseAsync(id);
        Assert.Equal([id], await _store.ReapAsync(ChannelNames.Email, 100, default));
        var current = (await _store.ClaimAsync(ChannelNames.Email, "worker-b", 1, Lease, default)).Single();

        var staleWrite = await _store.CompleteAsync(ChannelNames.Email, [Sent(stale, "worker-a", "msg-a")], default);
        var currentWrite = await _store.CompleteAsync(ChannelNames.Email, [Sent(current, "worker-b", "msg-b")], default);

        Assert.Empty(staleWrite);
        Assert.Equal([id], currentWrite);
        Assert.Equal("SENT", await StatusAsync(id));
        Assert.Equal("msg-b", await ScalarAsync<string>("SELECT provider_message_id FROM notify.deliveries WHERE id = @id", id));
        // Both provider calls happened, so both are on record.
        Assert.Equal(2L, await ScalarAsync<long>("SELECT count(*) FROM notify.delivery_attempts WHERE delivery_id = @id", id));
    }

    [Fact]
    public async Task A_completion_written_again_keeps_one_attempt_and_the_first_outcome()
    {
        // The engine writes a group again when the database took it but the answer was lost.
        var first = await SeedAsync(ChannelNames.Email);
        var second = await SeedAsync(ChannelNames.Email);
        var claimed = await _store.ClaimAsync(ChannelNames.Email, "worker-a", 2, Lease, default);
        var one = claimed.Single(c => c.Id == first);
        var two = claimed.Single(c => c.Id == second);
        Assert.Equal([first], await _store.CompleteAsync(ChannelNames.Email, [Sent(one, "worker-a", "msg-1")], default));

        var again = await _store.CompleteAsync(ChannelNames.Email, [Sent(one, "worker-a", "msg-again"), Sent(two, "worker-a", "msg-2")], default);

        Assert.Equal([second], again);
        Assert.Equal("msg-1", await ScalarAsync<string>("SELECT provider_message_id FROM notify.deliveries WHERE id = @id", first));
        Assert.Equal("SENT", await StatusAsync(second));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM notify.delivery_attempts WHERE delivery_id = @id", first));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM notify.delivery_attempts WHERE delivery_id = @id", second));
        Assert.Equal(one.TenantId, await ScalarAsync<Guid>("SELECT tenant_id FROM notify.delivery_attempts WHERE delivery_id = @id", second));
    }
    [Fact]
    public async Task Reaper_returns_expired_leases_as_retrying_with_lock_expired()
    {
        var id = await SeedAsync(ChannelNames.Sms);
        await _store.ClaimAsync(ChannelNames.Sms, "worker-a", 1, Lease, default);
        await ExpireLeaseAsync(id);

        var reaped = await _store.ReapAsync(ChannelNames.Sms, 100, default);

        Assert.Equal([id], reaped);
        Assert.Equal("RETRYING", await StatusAsync(id));
        Assert.Equal("LOCK_EXPIRED", await ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", id));
        Assert.Single(await _store.ClaimAsync(ChannelNames.Sms, "worker-b", 1, Lease, default));
    }

    [Fact]
    public async Task Reaper_leaves_live_leases_alone_and_kills_a_delivery_out_of_attempts()
    {
        var live = await SeedAsync(ChannelNames.Push);
        var exhausted = await SeedAsync(ChannelNames.Push);
        await _store.ClaimAsync(ChannelNames.Push, "worker-a", 2, Lease, default);
        await ExecuteAsync("UPDATE notify.deliveries SET attempt_count = max_attempts - 1 WHERE id = @id", exhausted);
        await ExpireLeaseAsync(exhausted);

        var reaped = await _store.ReapAsync(ChannelNames.Push, 100, default);

        Assert.Equal([exhausted], reaped);
        Assert.Equal("DEAD", await StatusAsync(exhausted));
        Assert.Equal("SENDING", await StatusAsync(live));
    }

    [Fact]
    public async Task Cancelled_deliveries_are_never_claimed()
    {
        var id = await SeedAsync(ChannelNames.Webhook);
        await ExecuteAsync("UPDATE notify.deliveries SET status = 'CANCELLED' WHERE id = @id", id);

        Assert.Empty(await _store.ClaimAsync(ChannelNames.Webhook, "worker-a", 10, Lease, default));
    }

    [Fact]
    public async Task Released_leases_are_claimable_again_at_once()
    {
        var id = await SeedAsync(ChannelNames.WhatsApp);
        var claimed = await _store.ClaimAsync(ChannelNames.WhatsApp, "worker-a", 1, Lease, default);

        Assert.Equal(1, await _store.ReleaseAsync(ChannelNames.WhatsApp, claimed, default));

        Assert.Equal("PENDING", await StatusAsync(id));
        var again = Assert.Single(await _store.ClaimAsync(ChannelNames.WhatsApp, "worker-b", 1, Lease, default));
        Assert.Equal(2, again.LeaseToken);
    }

    [Fact]
    public async Task A_retryable_failure_schedules_the_next_attempt_and_counts_it()
    {
        var id = await SeedAsync(ChannelNames.Email);
        var claimed = (await _store.ClaimAsync(ChannelNames.Email, "worker-a", 1, Lease, default)).Single();
        var next = DateTime.UtcNow.AddMinutes(5);

        await _store.CompleteAsync(ChannelNames.Email, [new DeliveryCompletion(id, claimed.TenantId, claimed.LeaseToken, "RETRYING", next, "sendgrid", null, "429", "Too many requests",
            [new AttemptRecord(claimed.AttemptNumber, "worker-a", "sendgrid", DateTime.UtcNow, 12, "retryable", 429, "429", "Too many requests", null)])], default);

        Assert.Equal("RETRYING", await StatusAsync(id));
        Assert.Equal(1, await ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", id));
        Assert.Empty(await _store.ClaimAsync(ChannelNames.Email, "worker-a", 1, Lease, default));
    }

    private static DeliveryCompletion Sent(ClaimedDelivery claimed, string worker, string providerMessageId)
        => new(claimed.Id, claimed.TenantId, claimed.LeaseToken, "SENT", null, "sendgrid", providerMessageId, null, null,
            [new AttemptRecord(claimed.AttemptNumber, worker, "sendgrid", DateTime.UtcNow, 5, "sent", 202, null, null, providerMessageId)]);

    private Task<Guid> SeedAsync(string channel, short priority = 0, DateTime? sendAt = null)
        => _database.SeedAsync(channel, priority: priority, sendAt: sendAt);

    private Task ExpireLeaseAsync(Guid id) => ExecuteAsync("UPDATE notify.deliveries SET lock_expires_at = now() - interval '1 second' WHERE id = @id", id);

    private Task<string> StatusAsync(Guid id) => _database.StatusAsync(id);

    private Task<T> ScalarAsync<T>(string sql, Guid id) => _database.ScalarAsync<T>(sql, id);

    private Task ExecuteAsync(string sql, Guid id) => _database.ExecuteAsync(sql, id);
}
