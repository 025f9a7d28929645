using Microsoft.Extensions.Logging.Abstractions;
using Notify.Ingress.Retention;
using Notify.Outbox;
using Notify.Outbox.Retention;
using Notify.Tests.Infrastructure;
using static Notify.Tests.Retention.RetentionHistory;

namespace Notify.Tests.Retention;

/// <summary>The ingress's schedule: it runs the cleanup on its own, and not at all when turned off.</summary>
public sealed class RetentionSchedulerTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private OutboxDatabase _database = null!;
    private RetentionHistory _history = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _history = new RetentionHistory(_database.DataSource);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task The_scheduler_cleans_up_old_history_by_itself()
    {
        var id = await _history.SeedAsync(TimeSpan.FromDays(40), DeliveryStatuses.Delivered);
        using var scheduler = Scheduler(new RetentionOptions { Interval = TimeSpan.FromMilliseconds(200) });

        await scheduler.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await _history.CountAsync(Live, id)).Total > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }

        Assert.Equal(TableCounts.Zero, await _history.CountAsync(Live, id));
        Assert.Equal(new TableCounts(1, 1, 1, 1), await _history.CountAsync(Archive, id));
    }

    [Theory]
    [InlineData(false, 3_600)]
    [InlineData(true, 0)]
    public async Task A_disabled_schedule_never_runs(bool enabled, int intervalSeconds)
    {
        var id = await _history.SeedAsync(TimeSpan.FromDays(40), DeliveryStatuses.Delivered);
        using var scheduler = Scheduler(new RetentionOptions { Enabled = enabled, Interval = TimeSpan.FromSeconds(intervalSeconds) });

        await scheduler.StartAsync(TestContext.Current.CancellationToken);

        // The schedule's loop ends by itself instead of waiting for a first run (an enabled one
        // runs until stopped, and this wait would time out).
        await scheduler.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await scheduler.StopAsync(CancellationToken.None);
        Assert.Equal(new TableCounts(1, 1, 1, 1), await _history.CountAsync(Live, id));
    }

    private RetentionScheduler Scheduler(RetentionOptions options) => new(
        new RetentionCleaner(_database.DataSource, TimeProvider.System, NullLogger<RetentionCleaner>.Instance),
        Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<RetentionScheduler>.Instance);
}
