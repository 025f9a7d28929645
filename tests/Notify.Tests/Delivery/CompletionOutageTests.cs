using Microsoft.Extensions.Logging.Abstractions;
using Notify.Delivery.Content;
using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Delivery;

/// <summary>
/// The database goes away while a worker's provider calls are in flight: the provider has
/// accepted the messages, and only the completions are left to write. The worker reaches its
/// database through a <see cref="TcpProxy"/> the test cuts, so only this worker loses it.
/// </summary>
public sealed class CompletionOutageTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private const int Deliveries = 12;
    private OutboxDatabase _database = null!;
    private TcpProxy _proxy = null!;
    private NpgsqlDataSource _proxied = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        var direct = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        _proxy = new TcpProxy(direct.Host!, direct.Port);
        var proxied = new NpgsqlConnectionStringBuilder(_database.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = _proxy.Port,
            Timeout = 2,
            CommandTimeout = 5,
        };
        _proxied = NpgsqlDataSource.Create(proxied.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _proxied.DisposeAsync();
        await _proxy.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>
    /// An outage longer than the completion's first few retries (about 10 s before this was
    /// fixed) but shorter than the lease: the completions are written when the database
    /// returns, so the provider sees each message once and no lease is reaped.
    /// </summary>
    [Fact]
    public async Task Sends_the_provider_accepted_during_a_database_outage_shorter_than_the_lease_are_recorded_once_it_returns()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < Deliveries; i++)
        {
            ids.Add(await _database.SeedAsync(ChannelNames.Email, $"outage{i}@example.com"));
        }
        var provider = new HeldProvider(hold: _ => true);
        var worker = await StartWorkerAsync(_proxied, provider, new DeliveryWorkerOptions
        {
            Channel = ChannelNames.Email,
            WorkerId = "outage-worker",
            BatchSize = Deliveries,
            MaxConcurrency = Deliveries,
            Lease = TimeSpan.FromSeconds(60),
            CallTimeout = TimeSpan.FromSeconds(30),
            PollInterval = TimeSpan.FromMilliseconds(200),
            ReapInterval = TimeSpan.FromSeconds(1),
        });
        try
        {
            await WaitUntilAsync(() => Task.FromResult(provider.Held == Deliveries), TimeSpan.FromSeconds(30));

            _proxy.Cut();
            provider.Release();
            // Longer than the old give-up (1 + 2 + 3 + 4 s of waits between five tries).
            await Task.Delay(TimeSpan.FromSeconds(14));
            Assert.Equal(Deliveries, await CountAsync("status = 'SENDING'"));
            _proxy.Restore();

            await WaitUntilAsync(async () => await CountAsync("status = 'SENT'") == Deliveries, TimeSpan.FromSeconds(30));
        }
        finally
        {
            _proxy.Restore();
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }

        Assert.All(ids, id => Assert.Equal(1, provider.Calls[id]));
        Assert.Equal(Deliveries, await CountAsync("attempt_count = 1 AND last_error_code IS NULL"));
        Assert.Equal((long)Deliveries, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM notify.delivery_attempts WHERE outcome = 'sent' AND @id IS NOT NULL", Guid.Empty));
    }

    /// <summary>
    /// A write the database refuses for good (a bug, here a trigger) must not hold the channel:
    /// after a few tries the batch is left to the reaper and the worker claims the next.
    /// </summary>
    [Fact]
    public async Task A_completion_the_database_refuses_for_good_is_left_to_the_reaper_and_the_channel_goes_on()
    {
        await _database.RefuseSentForPoisonAsync();
        var poison = await _database.SeedAsync(ChannelNames.Email, "poison@example.com");
        var others = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            others.Add(await _database.SeedAsync(ChannelNames.Email, $"after-poison{i}@example.com"));
        }
        var worker = await StartWorkerAsync(_database.DataSource, new ScriptedProvider(), new DeliveryWorkerOptions
        {
            Channel = ChannelNames.Email,
            WorkerId = "poisoned-worker",
            BatchSize = 1,
            BatchesInFlight = 1,
            MaxConcurrency = 1,
            // Long enough that the reaper cannot be what frees the worker within the wait below.
            Lease = TimeSpan.FromSeconds(60),
            CallTimeout = TimeSpan.FromSeconds(1),
            PollInterval = TimeSpan.FromMilliseconds(100),
            ReapInterval = TimeSpan.FromSeconds(1),
        });
        try
        {
            await WaitUntilAsync(async () => await CountAsync("status = 'SENT'") == others.Count, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }

        // Left SENDING under its lease, for the reaper: not written, not lost.
        Assert.Equal(DeliveryStatuses.Sending, await _database.StatusAsync(poison));
    }

    /// <summary>Starts a worker with inline content and a 100 ms retry, the way these tests need one.</summary>
    internal static async Task<DeliveryWorker> StartWorkerAsync(NpgsqlDataSource dataSource, IDeliveryProvider provider, DeliveryWorkerOptions options)
    {
        var worker = new DeliveryWorker(new DeliveryStore(dataSource), dataSource, [provider], new InlineContentResolver(),
            new RetrySchedule([TimeSpan.FromMilliseconds(100)], Jitter: 0), Microsoft.Extensions.Options.Options.Create(options),
            TimeProvider.System, NullLogger<DeliveryWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        return worker;
    }

    private Task<int> CountAsync(string where)
        => _database.ScalarAsync<long>($"SELECT count(*) FROM notify.deliveries WHERE {where} AND @id IS NOT NULL", Guid.Empty)
            .ContinueWith(t => (int)t.Result);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan within) => Poll.UntilAsync(condition, within);
}
