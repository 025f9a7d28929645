using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Delivery;

/// <summary>
/// How a worker claims and records under a backlog: claims grow while they come back full, and
/// each outcome is written as soon as its send ends (group commit across claims), not when the
/// slowest send of its claim ends; one outcome the database refuses does not hold back the rest.
/// </summary>
public sealed class OutcomeWritingTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private OutboxDatabase _database = null!;

    public async ValueTask InitializeAsync() => _database = await OutboxDatabase.CreateAsync(infrastructure);

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task A_delivery_is_recorded_sent_while_another_of_its_claim_is_still_with_the_provider()
    {
        var quick = await _database.SeedAsync(ChannelNames.Email, "quick@example.com");
        var slow = await _database.SeedAsync(ChannelNames.Email, "slow@example.com");
        var provider = new HeldProvider(hold: d => d.Recipient.StartsWith("slow", StringComparison.Ordinal));
        var worker = await StartWorkerAsync(provider, new DeliveryWorkerOptions
        {
            Channel = ChannelNames.Email,
            WorkerId = "outcome-writer",
            BatchSize = 10,
            MaxConcurrency = 10,
            PollInterval = TimeSpan.FromMilliseconds(100),
        });
        try
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(quick) == DeliveryStatuses.Sent, TimeSpan.FromSeconds(30));
            Assert.Equal(DeliveryStatuses.Sending, await _database.StatusAsync(slow));

            provider.Release();
            await WaitUntilAsync(async () => await _database.StatusAsync(slow) == DeliveryStatuses.Sent, TimeSpan.FromSeconds(30));
        }
        finally
        {
            provider.Release();
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
        Assert.Equal(1, provider.Calls[quick]);
        Assert.Equal(1, provider.Calls[slow]);
    }

    /// <summary>
    /// With every send held, what the worker holds is its open claims: two claims of one batch
    /// without growth, one batch and then two with it (the second claim doubled because the
    /// first came back full).
    /// </summary>
    [Theory]
    [InlineData(1, 20)]
    [InlineData(4, 30)]
    public async Task While_claims_come_back_full_the_next_claim_takes_twice_as_many_up_to_the_limit(int maxClaimBatches, int held)
    {
        for (var i = 0; i < 100; i++)
        {
            await _database.SeedAsync(ChannelNames.Email, $"backlog{i}@example.com");
        }
        var provider = new HeldProvider(hold: _ => true);
        var worker = await StartWorkerAsync(provider, new DeliveryWorkerOptions
        {
            Channel = ChannelNames.Email,
            WorkerId = "growing-worker",
            BatchSize = 10,
            MaxClaimBatches = maxClaimBatches,
            BatchesInFlight = 2,
            MaxConcurrency = 100,
            PollInterval = TimeSpan.FromMilliseconds(100),
        });
        try
        {
            await WaitUntilAsync(() => Task.FromResult(provider.Held == held), TimeSpan.FromSeconds(30));
            // Nothing more is claimed while both claims are open.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            Assert.Equal((long)held, await _database.ScalarAsync<long>(
                "SELECT count(*) FROM notify.deliveries WHERE status = 'SENDING' AND @id IS NOT NULL", Guid.Empty));

            provider.Release();
            await WaitUntilAsync(async () => await _database.ScalarAsync<long>(
                "SELECT count(*) FROM notify.deliveries WHERE status = 'SENT' AND @id IS NOT NULL", Guid.Empty) == 100, TimeSpan.FromSeconds(30));
        }
        finally
        {
            provider.Release();
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
        Assert.Equal(100, provider.Calls.Count);
        Assert.All(provider.Calls.Values, calls => Assert.Equal(1, calls));
    }

    [Theory]
    [InlineData(10, 1, 10)]     // short: back to one batch
    [InlineData(20, 5, 10)]     // short after growing: back to one batch
    [InlineData(10, 10, 20)]    // full: doubled
    [InlineData(20, 20, 40)]    // full again: doubled again
    [InlineData(30, 30, 40)]    // doubling stops at the limit
    [InlineData(40, 40, 40)]    // and stays there while claims come back full
    public void The_next_claim_doubles_after_a_full_claim_and_starts_over_after_a_short_one(int asked, int claimed, int expected)
        => Assert.Equal(expected, DeliveryWorker.NextClaimSize(asked, claimed, first: 10, most: 40));

    [Fact]
    public void A_provider_rate_keeps_claims_from_growing()
    {
        var options = new DeliveryWorkerOptions { Channel = ChannelNames.Sms, BatchSize = 100, MaxClaimBatches = 4, RatePerSecond = 1 };
        Assert.Equal(DeliveryWorker.ClaimSize(options), DeliveryWorker.MaxClaimSize(options));
        Assert.Equal(800, DeliveryWorker.MaxClaimSize(new DeliveryWorkerOptions { Channel = ChannelNames.Email }));
    }

    [Fact]
    public void A_provider_rate_keeps_at_most_two_claims_open()
    {
        Assert.Equal(4, DeliveryWorker.BatchesInFlight(new DeliveryWorkerOptions { Channel = ChannelNames.Email }));
        Assert.Equal(2, DeliveryWorker.BatchesInFlight(new DeliveryWorkerOptions { Channel = ChannelNames.Sms, RatePerSecond = 1 }));
        Assert.Equal(1, DeliveryWorker.BatchesInFlight(new DeliveryWorkerOptions { Channel = ChannelNames.Sms, RatePerSecond = 1, BatchesInFlight = 1 }));
    }

    /// <summary>
    /// One outcome the database refuses for good, written in the same statement as others: the
    /// others are written one by one, the refused one is left SENDING for the reaper.
    /// </summary>
    [Fact]
    public async Task An_outcome_the_database_refuses_does_not_hold_back_the_outcomes_written_with_it()
    {
        await _database.RefuseSentForPoisonAsync();
        var poison = await _database.SeedAsync(ChannelNames.Email, "poison@example.com");
        var others = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            others.Add(await _database.SeedAsync(ChannelNames.Email, $"beside-poison{i}@example.com"));
        }
        // Every send is held, then let go at once: the six outcomes wait for the writer together.
        var provider = new HeldProvider(hold: _ => true);
        var worker = await StartWorkerAsync(provider, new DeliveryWorkerOptions
        {
            Channel = ChannelNames.Email,
            WorkerId = "poison-neighbour",
            BatchSize = 10,
            MaxConcurrency = 10,
            PollInterval = TimeSpan.FromMilliseconds(100),
        });
        try
        {
            await WaitUntilAsync(() => Task.FromResult(provider.Held == 6), TimeSpan.FromSeconds(30));
            provider.Release();
            await WaitUntilAsync(async () => await _database.ScalarAsync<long>(
                "SELECT count(*) FROM notify.deliveries WHERE status = 'SENT' AND @id IS NOT NULL", Guid.Empty) == others.Count, TimeSpan.FromSeconds(60));
        }
        finally
        {
            provider.Release();
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
        Assert.Equal(DeliveryStatuses.Sending, await _database.StatusAsync(poison));
        foreach (var id in others)
        {
            Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
        }
    }

    private Task<DeliveryWorker> StartWorkerAsync(IDeliveryProvider provider, DeliveryWorkerOptions options)
        => CompletionOutageTests.StartWorkerAsync(_database.DataSource, provider, options);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within) => Poll.UntilAsync(condition, within);
}
