using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Notify.Hosting.Processes;
using Notify.Ingress.Admin;
using Notify.Ingress.Admin.Replay;
using Notify.Tests.Infrastructure;
using StackExchange.Redis;

namespace Notify.Tests.Admin;

/// <summary>The replay rate limit's sliding window, in the real Redis and in the per-process fallback when Redis is away.</summary>
public sealed class ReplayRateLimiterTests(InfrastructureFixture infrastructure)
{
    private static readonly Microsoft.Extensions.Options.IOptions<AdminOptions> Options =
        Microsoft.Extensions.Options.Options.Create(new AdminOptions());

    [Fact]
    public async Task In_redis_three_replays_pass_per_tenant_and_address_and_the_fourth_waits_at_most_the_window()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var limiter = new ReplayRateLimiter(redis, Options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ReplayRateLimiter>.Instance);
        var tenant = Guid.NewGuid();

        var decisions = new List<ReplayRateDecision>();
        for (var i = 0; i < 4; i++)
        {
            decisions.Add(await limiter.AcquireAsync(tenant, "10.0.0.1"));
        }
        var otherAddress = await limiter.AcquireAsync(tenant, "10.0.0.2");
        var otherTenant = await limiter.AcquireAsync(Guid.NewGuid(), "10.0.0.1");

        Assert.Equal([true, true, true, false], decisions.Select(d => d.Allowed));
        Assert.InRange(decisions[3].RetryAfter, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.True(otherAddress.Allowed);
        Assert.True(otherTenant.Allowed);
    }

    [Fact]
    public async Task Without_redis_each_process_keeps_its_own_sliding_window_and_says_so_once()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{FreePort.Next()},abortConnect=false,connectTimeout=200");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var limiter = new ReplayRateLimiter(redis, Options, time, factory.CreateLogger<ReplayRateLimiter>());
        var tenant = Guid.NewGuid();

        var first = new List<bool>();
        for (var i = 0; i < 4; i++)
        {
            first.Add((await limiter.AcquireAsync(tenant, "10.0.0.1")).Allowed);
            time.Advance(TimeSpan.FromMinutes(1));
        }
        var refusedWait = (await limiter.AcquireAsync(tenant, "10.0.0.1")).RetryAfter;
        time.Advance(refusedWait);
        var afterTheOldestLeft = await limiter.AcquireAsync(tenant, "10.0.0.1");

        Assert.Equal([true, true, true, false], first);
        Assert.Equal(TimeSpan.FromMinutes(1), refusedWait);
        Assert.True(afterTheOldestLeft.Allowed);
        Assert.Single(logs.Lines, l => l.Contains("replay rate limit falls back", StringComparison.Ordinal));
    }
}
