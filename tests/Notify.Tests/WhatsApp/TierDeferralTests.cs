using Microsoft.Extensions.Logging.Abstractions;
using Notify.Delivery.Content;
using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Tests.Infrastructure;
using Notify.Tests.Sandbox;
using Notify.WhatsApp.Tier;
using StackExchange.Redis;

namespace Notify.Tests.WhatsApp;

/// <summary>
/// The messaging tier in the delivery engine: the engine, the WhatsApp provider, the sandbox,
/// and the real database and Redis. A spent tier hands deliveries back without a call or an attempt.
/// </summary>
public sealed class TierDeferralTests(InfrastructureFixture infrastructure, SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IAsyncLifetime
{
    private OutboxDatabase _database = null!;
    private ConnectionMultiplexer _redis = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task When_the_tier_is_spent_a_template_send_is_deferred_until_the_window_frees_a_place_without_an_attempt()
    {
        var first = await SeedTemplateAsync("+14155557101");
        var second = await SeedTemplateAsync("+14155557102");
        var text = await _database.SeedAsync(ChannelNames.WhatsApp, "+14155557103", content: WhatsAppSends.Text("Thanks for your message"));
        var provider = WhatsAppSends.Provider(sandbox, WhatsAppSends.Options(), _redis, new TierLimit(1));

        await using (await StartAsync(provider))
        {
            await WaitUntilAsync(async () =>
                await _database.StatusAsync(text) == "SENT"
                && new[] { await _database.StatusAsync(first), await _database.StatusAsync(second) }.Order().SequenceEqual(["PENDING", "SENT"])
                && await CountAsync("last_error_code = 'TIER_LIMIT'") == 1);
        }

        var deferred = await _database.StatusAsync(first) == "PENDING" ? first : second;
        var sent = deferred == first ? second : first;
        Assert.Equal(0, await ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", deferred));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM notify.delivery_attempts WHERE delivery_id = @id", deferred));
        var dueIn = await ScalarAsync<DateTime>("SELECT next_attempt_at FROM notify.deliveries WHERE id = @id", deferred) - DateTime.UtcNow;
        Assert.InRange(dueIn, TimeSpan.FromHours(23), TimeSpan.FromHours(24));
        Assert.Empty(await sandbox.MessagesAsync("whatsapp", deferred.ToString()));
        Assert.Single(await sandbox.MessagesAsync("whatsapp", sent.ToString()));
        // Free-form text answers a user inside their window: the tier does not count it.
        Assert.Single(await sandbox.MessagesAsync("whatsapp", text.ToString()));
    }

    [Fact]
    public async Task A_send_meta_refuses_gives_its_place_in_the_tier_back()
    {
        var provider = WhatsAppSends.Provider(sandbox, WhatsAppSends.Options(), _redis, new TierLimit(1));
        await using var worker = await StartAsync(provider);

        var undeliverable = await SeedTemplateAsync("+14155551026");
        await WaitUntilAsync(async () => await _database.StatusAsync(undeliverable) == "DEAD");
        var next = await SeedTemplateAsync("+14155557111");
        await WaitUntilAsync(async () => await _database.StatusAsync(next) is "SENT" || await CountAsync("last_error_code = 'TIER_LIMIT'") > 0);

        Assert.Equal("131026", await ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", undeliverable));
        Assert.Equal("SENT", await _database.StatusAsync(next));
    }

    private Task<Guid> SeedTemplateAsync(string recipient)
        => _database.SeedAsync(ChannelNames.WhatsApp, recipient, content: WhatsAppSends.Template("hello_world", "en_US"));

    private async Task<IAsyncDisposable> StartAsync(IDeliveryProvider provider)
    {
        var options = new DeliveryWorkerOptions
        {
            Channel = ChannelNames.WhatsApp,
            WorkerId = "whatsapp-test",
            BatchSize = 10,
            PollInterval = TimeSpan.FromMilliseconds(100),
        };
        var worker = new DeliveryWorker(new DeliveryStore(_database.DataSource), _database.DataSource, [provider], new InlineContentResolver(),
            new RetrySchedule([TimeSpan.FromMilliseconds(100)], Jitter: 0), Microsoft.Extensions.Options.Options.Create(options),
            TimeProvider.System, NullLogger<DeliveryWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        return new Running(worker);
    }

    private Task<T> ScalarAsync<T>(string sql, Guid id) => _database.ScalarAsync<T>(sql, id);

    private async Task<int> CountAsync(string where)
        => (int)await _database.ScalarAsync<long>($"SELECT count(*) FROM notify.deliveries WHERE {where} AND @id IS NOT NULL", Guid.Empty);

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => Poll.UntilAsync(condition, TimeSpan.FromSeconds(30));

    private sealed class Running(DeliveryWorker worker) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
    }
}
