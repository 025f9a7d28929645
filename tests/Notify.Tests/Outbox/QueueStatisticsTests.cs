using Notify.Outbox;
using Notify.Outbox.Reading;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Outbox;

/// <summary>The queue gauges' query on a real database: what each status counts, and the outbox lag.</summary>
public sealed class QueueStatisticsTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private OutboxDatabase _database = null!;
    private QueueStatistics _statistics = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _statistics = new QueueStatistics(_database.DataSource);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Counts_waiting_in_flight_and_dead_deliveries_of_its_own_channel_and_the_oldest_due_age()
    {
        // Waiting: two due PENDING (one due for 30 s), one scheduled for later, two RETRYING
        // (one due for 90 s: the oldest), one RETRYING not yet due.
        await _database.SeedInStatusAsync(ChannelNames.Sms, "PENDING", due: TimeSpan.FromSeconds(-30));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "PENDING", due: TimeSpan.FromSeconds(-1));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "PENDING", due: TimeSpan.FromHours(1));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "RETRYING", due: TimeSpan.FromSeconds(-90));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "RETRYING", due: TimeSpan.FromMinutes(5));
        // In flight, dead, and finished (not counted).
        await _database.SeedInStatusAsync(ChannelNames.Sms, "SENDING", due: TimeSpan.FromHours(-3));
        for (var i = 0; i < 3; i++)
        {
            await _database.SeedInStatusAsync(ChannelNames.Sms, "DEAD", due: TimeSpan.FromHours(-2));
        }
        await _database.SeedInStatusAsync(ChannelNames.Sms, "SENT", due: TimeSpan.FromHours(-4));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "DELIVERED", due: TimeSpan.FromHours(-4));
        // Another channel's rows, older than all of these, are not this channel's queue.
        await _database.SeedInStatusAsync(ChannelNames.Email, "PENDING", due: TimeSpan.FromHours(-5));
        await _database.SeedInStatusAsync(ChannelNames.Email, "DEAD", due: TimeSpan.FromHours(-5));

        var sms = await _statistics.ReadAsync(ChannelNames.Sms, default);

        Assert.Equal((3, 2, 1, 3), (sms.Pending, sms.Retrying, sms.Sending, sms.Dead));
        // The RETRYING row due 90 s ago (the SENDING row's old next_attempt_at does not count).
        Assert.InRange(sms.OldestClaimableAge.TotalSeconds, 90, 150);

        var email = await _statistics.ReadAsync(ChannelNames.Email, default);
        Assert.Equal((1, 0, 0, 1), (email.Pending, email.Retrying, email.Sending, email.Dead));
        Assert.InRange(email.OldestClaimableAge.TotalHours, 5, 5.1);
    }

    [Fact]
    public async Task An_empty_queue_and_one_with_only_scheduled_deliveries_have_no_lag()
    {
        var empty = await _statistics.ReadAsync(ChannelNames.Push, default);
        Assert.Equal((0, 0, 0, 0), (empty.Pending, empty.Retrying, empty.Sending, empty.Dead));
        Assert.Equal(TimeSpan.Zero, empty.OldestClaimableAge);

        await _database.SeedInStatusAsync(ChannelNames.Webhook, "PENDING", due: TimeSpan.FromHours(2));
        var scheduled = await _statistics.ReadAsync(ChannelNames.Webhook, default);
        Assert.Equal(1, scheduled.Pending);
        Assert.Equal(TimeSpan.Zero, scheduled.OldestClaimableAge);
    }

    [Fact]
    public async Task An_unknown_channel_is_refused_before_any_sql_is_built()
        => await Assert.ThrowsAsync<ArgumentException>(() => _statistics.ReadAsync("sms' OR true --", default));
}
