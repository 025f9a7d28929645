using Microsoft.Extensions.Logging.Abstractions;
using Notify.Delivery.RateLimiting;
using Notify.Hosting.Processes;
using Notify.Tests.Infrastructure;
using StackExchange.Redis;

namespace Notify.Tests.Delivery;

/// <summary>The shared GCRA limiter on the real Redis, and its fallback when Redis is away.</summary>
public sealed class RedisRateLimiterTests(InfrastructureFixture infrastructure)
{
    // 1 per second: nothing the test does takes long enough to earn a second token, so the
    // counts below do not depend on how fast the machine is.
    private static readonly RateLimit OnePerSecondBurstFive = new(1, 5);

    [Fact]
    public async Task A_burst_is_allowed_then_callers_are_told_how_long_to_wait()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var limiter = Limiter(redis);
        var key = NewKey();

        var decisions = new List<RateLimitDecision>();
        for (var i = 0; i < 8; i++)
        {
            decisions.Add(await limiter.AcquireAsync(key, OnePerSecondBurstFive));
        }

        Assert.Equal(5, decisions.Count(d => d.Allowed));
        Assert.All(decisions.Skip(5), d => Assert.InRange(d.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1)));
        Assert.False(limiter.UsingFallback);
    }

    [Fact]
    public async Task Replicas_share_one_budget_per_key()
    {
        await using var redisA = await ConnectAsync(infrastructure.Redis.ConnectionString);
        await using var redisB = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var (a, b) = (Limiter(redisA), Limiter(redisB));
        var key = NewKey();

        var allowed = 0;
        for (var i = 0; i < 10; i++)
        {
            allowed += (await a.AcquireAsync(key, OnePerSecondBurstFive)).Allowed ? 1 : 0;
            allowed += (await b.AcquireAsync(key, OnePerSecondBurstFive)).Allowed ? 1 : 0;
        }

        Assert.Equal(5, allowed);
    }

    [Fact]
    public async Task Keys_do_not_share_a_budget()
    {
        await using var redis = await ConnectAsync(infrastructure.Redis.ConnectionString);
        var limiter = Limiter(redis);

        var first = await limiter.AcquireAsync(NewKey(), new RateLimit(1, 1));
        var second = await limiter.AcquireAsync(NewKey(), new RateLimit(1, 1));

        Assert.True(first.Allowed && second.Allowed);
    }

    [Fact]
    public async Task Without_redis_each_replica_keeps_sending_under_its_share()
    {
        await using var redis = await ConnectAsync($"127.0.0.1:{FreePort.Next()},connectTimeout=200");
        var limiter = Limiter(redis, replicas: 2);
        var key = NewKey();

        var allowed = 0;
        for (var i = 0; i < 10; i++)
        {
            allowed += (await limiter.AcquireAsync(key, new RateLimit(1, 10))).Allowed ? 1 : 0;
        }

        Assert.True(limiter.UsingFallback);
        Assert.Equal(5, allowed);
    }

    [Fact]
    public async Task Sends_made_while_redis_was_away_still_count_when_it_returns()
    {
        await using var server = await Notify.Hosting.Servers.RedisServer.StartAsync(new()
        {
            Directory = Path.Combine(Path.GetTempPath(), "notify-redis-outage-" + Guid.NewGuid().ToString("N")[..8]),
            Persistent = false,
            Name = "outage-redis",
        });
        await using var redis = await ConnectAsync($"{server.ConnectionString},connectTimeout=500,syncTimeout=500");
        var limiter = Limiter(redis);
        var key = NewKey();
        Assert.True((await limiter.AcquireAsync(NewKey(), OnePerSecondBurstFive)).Allowed);

        await server.StopAsync();
        var duringOutage = 0;
        for (var i = 0; i < 8; i++)
        {
            duringOutage += (await limiter.AcquireAsync(key, OnePerSecondBurstFive)).Allowed ? 1 : 0;
        }
        Assert.True(limiter.UsingFallback);

        await server.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!redis.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var afterReturn = await limiter.AcquireAsync(key, OnePerSecondBurstFive);

        // The burst was spent during the outage; a Redis that came back empty must not grant another.
        Assert.Equal(5, duringOutage);
        Assert.False(limiter.UsingFallback);
        Assert.False(afterReturn.Allowed);
    }

    [Fact]
    public async Task Concurrent_sends_say_once_that_redis_is_away_and_once_that_it_is_back()
    {
        await using var server = await Notify.Hosting.Servers.RedisServer.StartAsync(new()
        {
            Directory = Path.Combine(Path.GetTempPath(), "notify-redis-race-" + Guid.NewGuid().ToString("N")[..8]),
            Persistent = false,
            Name = "race-redis",
        });
        await using var redis = await ConnectAsync($"{server.ConnectionString},connectTimeout=500,syncTimeout=500");
        using var logs = new CapturedLogs();
        var limiter = new RedisRateLimiter(redis, 1, TimeProvider.System, new Logger(logs.CreateLogger(typeof(RedisRateLimiter).FullName!)));
        var lots = new RateLimit(1000, 1000);

        await server.KillAsync();
        // Sends on one key during the outage leave state that has to be written back to Redis.
        var key = NewKey();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ => await limiter.AcquireAsync(key, OnePerSecondBurstFive)));
        Assert.True(limiter.UsingFallback);
        await server.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!redis.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        // Many sends at once find Redis back: one of them reconciles, the others wait on their share.
        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ => await limiter.AcquireAsync(NewKey(), lots)));
        }

        Assert.False(limiter.UsingFallback);
        Assert.Single(logs.Lines, line => line.Contains("[3101]", StringComparison.Ordinal));
        Assert.Single(logs.Lines, line => line.Contains("[3102]", StringComparison.Ordinal));
    }

    /// <summary>Types <see cref="CapturedLogs"/>' logger for the limiter's constructor.</summary>
    private sealed class Logger(Microsoft.Extensions.Logging.ILogger inner) : Microsoft.Extensions.Logging.ILogger<RedisRateLimiter>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => inner.Log(logLevel, eventId, state, exception, formatter);
    }

    private static RedisRateLimiter Limiter(IConnectionMultiplexer redis, int replicas = 1)
        => new(redis, replicas, TimeProvider.System, NullLogger<RedisRateLimiter>.Instance);

    private static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    private static string NewKey() => "test:" + Guid.NewGuid().ToString("N");
}
