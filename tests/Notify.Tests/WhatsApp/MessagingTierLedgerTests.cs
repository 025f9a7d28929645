using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Notify.Hosting.Processes;
using Notify.Hosting.Servers;
using Notify.Tests.Infrastructure;
using Notify.WhatsApp.Tier;
using StackExchange.Redis;

namespace Notify.Tests.WhatsApp;

/// <summary>The 24-hour messaging tier on the real Redis, shared by replicas, and its fallback when Redis is away.</summary>
public sealed class MessagingTierLedgerTests(InfrastructureFixture infrastructure)
{
    [Fact]
    public async Task Unique_recipients_are_counted_and_a_resend_to_one_already_counted_is_free()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var ledger = Ledger(redis, NewPhoneNumberId(), limit: 2);

        var first = await ledger.AdmitAsync("+14155550101");
        var second = await ledger.AdmitAsync("+14155550102");
        var resend = await ledger.AdmitAsync("+14155550101");
        var third = await ledger.AdmitAsync("+14155550103");

        Assert.True(first.Admitted && first.NewlyCounted);
        Assert.True(second.Admitted && second.NewlyCounted);
        Assert.True(resend.Admitted);
        Assert.False(resend.NewlyCounted);
        Assert.Equal(2, resend.Used);
        Assert.False(third.Admitted);
        Assert.InRange(third.ResetIn, TimeSpan.FromHours(23), TimeSpan.FromHours(24));
    }

    [Fact]
    public async Task A_refused_recipient_is_admitted_once_the_oldest_entry_leaves_the_window()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var ledger = Ledger(redis, NewPhoneNumberId(), limit: 1, window: TimeSpan.FromSeconds(1));

        Assert.True((await ledger.AdmitAsync("+14155550111")).Admitted);
        var refused = await ledger.AdmitAsync("+14155550112");
        Assert.False(refused.Admitted);
        Assert.InRange(refused.ResetIn, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));

        await Task.Delay(refused.ResetIn + TimeSpan.FromMilliseconds(50));

        Assert.True((await ledger.AdmitAsync("+14155550112")).Admitted);
    }

    [Fact]
    public async Task Replicas_share_one_tier_per_phone_number()
    {
        await using var redisA = await ConnectAsync(infrastructure.Redis.ConnectionString);
        await using var redisB = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var phoneNumberId = NewPhoneNumberId();
        var (a, b) = (Ledger(redisA, phoneNumberId, limit: 2), Ledger(redisB, phoneNumberId, limit: 2));
        var other = Ledger(redisB, NewPhoneNumberId(), limit: 2);

        Assert.True((await a.AdmitAsync("+14155550121")).Admitted);
        Assert.True((await b.AdmitAsync("+14155550122")).Admitted);

        Assert.False((await b.AdmitAsync("+14155550123")).Admitted);
        Assert.False((await a.AdmitAsync("+14155550123")).Admitted);
        Assert.True((await other.AdmitAsync("+14155550123")).Admitted);
    }

    [Fact]
    public async Task Redis_holds_a_hash_of_each_recipient_never_the_number()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var ledger = Ledger(redis, NewPhoneNumberId(), limit: 10);

        await ledger.AdmitAsync("+14155550131");

        var members = await redis.GetDatabase().SortedSetRangeByRankAsync(ledger.WindowKey);
        var member = Assert.Single(members).ToString();
        Assert.DoesNotContain("4155550131", member);
        Assert.DoesNotContain("0131", member);
    }

    [Fact]
    public async Task A_release_gives_back_the_place_a_refused_send_took()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var ledger = Ledger(redis, NewPhoneNumberId(), limit: 1);

        var refusedByMeta = await ledger.AdmitAsync("+14155550141");
        await ledger.ReleaseAsync(refusedByMeta);

        Assert.True((await ledger.AdmitAsync("+14155550142")).Admitted);
    }

    [Fact]
    public async Task Releasing_a_resend_keeps_the_recipient_counted()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var ledger = Ledger(redis, NewPhoneNumberId(), limit: 1);
        await ledger.AdmitAsync("+14155550151");

        await ledger.ReleaseAsync(await ledger.AdmitAsync("+14155550151"));

        Assert.False((await ledger.AdmitAsync("+14155550152")).Admitted);
    }

    [Fact]
    public async Task An_unlimited_tier_admits_everyone_without_counting()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var ledger = new MessagingTierLedger(redis, NewPhoneNumberId(), TierLimit.Unlimited, 1, TimeProvider.System, NullLogger<MessagingTierLedger>.Instance);

        for (var i = 0; i < 5; i++)
        {
            Assert.True((await ledger.AdmitAsync($"+1415555016{i}")).Admitted);
        }
        Assert.False(await redis.GetDatabase().KeyExistsAsync(ledger.WindowKey));
    }

    [Fact]
    public async Task Without_redis_each_replica_admits_its_share_and_says_so_once()
    {
        await using var redis = await ConnectAsync($"127.0.0.1:{FreePort.Next()},connectTimeout=200");
        var logs = new CapturedLogs();
        using var loggers = new LoggerFactory([logs]);
        var ledger = new MessagingTierLedger(redis, NewPhoneNumberId(), new TierLimit(4), replicas: 2, TimeProvider.System, loggers.CreateLogger<MessagingTierLedger>());

        var admitted = 0;
        for (var i = 0; i < 5; i++)
        {
            admitted += (await ledger.AdmitAsync($"+1415555017{i}")).Admitted ? 1 : 0;
        }

        Assert.True(ledger.UsingFallback);
        Assert.Equal(2, admitted);
        Assert.Single(logs.Lines, line => line.Contains("falls back to this process's share", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Recipients_admitted_while_redis_was_away_are_counted_when_it_returns()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions
        {
            Directory = Path.Combine(Path.GetTempPath(), "notify-tier-" + Guid.NewGuid().ToString("N")[..8]),
            Persistent = false,
            Name = "tier-redis",
        });
        await using var redis = await ConnectAsync(server.ConnectionString + ",connectTimeout=500,syncTimeout=500,asyncTimeout=500");
        var ledger = Ledger(redis, NewPhoneNumberId(), limit: 4);
        Assert.True((await ledger.AdmitAsync("+14155550181")).Admitted);

        await server.StopAsync();
        Assert.True((await ledger.AdmitAsync("+14155550182")).Admitted);
        Assert.True(ledger.UsingFallback);

        await server.RestartAsync();
        await server.WaitUntilReadyAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!redis.IsConnected)
        {
            Assert.True(DateTime.UtcNow < deadline, "The multiplexer did not reconnect within 30 s.");
            await Task.Delay(100);
        }
        // The server restarted empty (not persistent): only what this process saw is known.
        Assert.True((await ledger.AdmitAsync("+14155550183")).Admitted);

        Assert.False(ledger.UsingFallback);
        Assert.Equal(2L, await redis.GetDatabase().SortedSetLengthAsync(ledger.WindowKey));
    }

    private static MessagingTierLedger Ledger(IConnectionMultiplexer redis, string phoneNumberId, int limit, TimeSpan? window = null)
        => new(redis, phoneNumberId, new TierLimit(limit), replicas: 1, TimeProvider.System, NullLogger<MessagingTierLedger>.Instance, window);

    private static string NewPhoneNumberId() => Random.Shared.NextInt64(100_000_000_000_000, 999_999_999_999_999).ToString();

    private static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}
