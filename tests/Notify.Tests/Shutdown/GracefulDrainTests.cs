using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging.Abstractions;
using Notify.Delivery.Content;
using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Delivery.RateLimiting;
using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Tests.Delivery;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Shutdown;

/// <summary>
/// What SIGTERM does to a channel worker's claims, in-process against real PostgreSQL and
/// Redis, for the cases the topology tests cannot time: a delivery waiting for the shared rate
/// limit, and a call that runs to its call timeout. Either way the worker stops holding no lease.
/// </summary>
public sealed class GracefulDrainTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(30);
    private OutboxDatabase _database = null!;

    public async ValueTask InitializeAsync() => _database = await OutboxDatabase.CreateAsync(infrastructure);

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Deliveries_waiting_for_the_rate_limit_at_SIGTERM_are_handed_back_not_sent()
    {
        // One sender at one message every 2 s: the first goes at once, the other three wait
        // (2, 4, 6 s; a lease of 60 s lets them).
        for (var i = 0; i < 4; i++)
        {
            await _database.SeedAsync(ChannelNames.Sms, "+14155557000");
        }
        var provider = new ScriptedProvider(name: "drain-" + Guid.NewGuid().ToString("N")[..8]);
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var limiter = new RedisRateLimiter(redis, replicas: 1, TimeProvider.System, NullLogger<RedisRateLimiter>.Instance);
        var worker = await StartAsync(provider, new DeliveryWorkerOptions { Channel = ChannelNames.Sms, RatePerSecond = 0.5, RateBurst = 1 }, limiter);
        await provider.FirstCallStarted.Task.WaitAsync(Eventually);

        await worker.StopAsync(CancellationToken.None);

        // No call started after the signal, and the three that were waiting are free for the next worker.
        Assert.Equal(1, provider.TotalCalls);
        Assert.Equal(1, await CountAsync("status = 'SENT'"));
        Assert.Equal(0, await CountAsync("status = 'SENDING'"));
        Assert.Equal(3, await CountAsync("status = 'PENDING' AND attempt_count = 0 AND locked_by IS NULL"));
    }

    [Fact]
    public async Task A_call_running_to_its_timeout_at_SIGTERM_is_recorded_before_the_worker_stops()
    {
        var id = await _database.SeedAsync(ChannelNames.Email, "slow@example.com");
        // The provider never answers: the call ends at its timeout.
        var provider = new ScriptedProvider(delay: TimeSpan.FromMinutes(5));
        var callTimeout = TimeSpan.FromSeconds(2);
        var options = new DeliveryWorkerOptions
        {
            Channel = ChannelNames.Email,
            CallTimeout = callTimeout,
            Lease = callTimeout * 2,
            // The least a valid configuration allows.
            ShutdownTimeout = callTimeout + DeliveryWorkerOptions.CompletionAllowance,
        };
        Assert.Empty(ValidationErrors(options));
        var worker = await StartAsync(provider, options);
        await provider.FirstCallStarted.Task.WaitAsync(Eventually);

        await worker.StopAsync(CancellationToken.None);

        // Recorded as a timed-out attempt, due again: not left SENDING for the reaper.
        Assert.Equal("RETRYING", await _database.StatusAsync(id));
        Assert.Equal("TIMEOUT", await _database.ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", id));
        Assert.Equal(1, await _database.ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", id));
    }

    [Fact]
    public void A_shutdown_timeout_that_cannot_cover_a_call_and_its_write_is_refused_at_start()
    {
        var errors = ValidationErrors(new DeliveryWorkerOptions { Channel = ChannelNames.Sms, CallTimeout = TimeSpan.FromSeconds(20), ShutdownTimeout = TimeSpan.FromSeconds(20) });

        var error = Assert.Single(errors);
        Assert.Contains(nameof(DeliveryWorkerOptions.ShutdownTimeout), error.MemberNames);
        Assert.StartsWith("ShutdownTimeout (00:00:20) must be at least CallTimeout (00:00:20) + 5 s", error.ErrorMessage);
        // The defaults are a valid configuration.
        Assert.Empty(ValidationErrors(new DeliveryWorkerOptions { Channel = ChannelNames.Sms }));
    }

    private static List<ValidationResult> ValidationErrors(DeliveryWorkerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    private async Task<DeliveryWorker> StartAsync(IDeliveryProvider provider, DeliveryWorkerOptions options, RedisRateLimiter? limiter = null)
    {
        options.WorkerId = "drain-worker";
        options.BatchSize = 10;
        options.PollInterval = TimeSpan.FromMilliseconds(100);
        var worker = new DeliveryWorker(new DeliveryStore(_database.DataSource), _database.DataSource, [provider], new InlineContentResolver(),
            new RetrySchedule([TimeSpan.FromSeconds(30)], Jitter: 0), Microsoft.Extensions.Options.Options.Create(options),
            TimeProvider.System, NullLogger<DeliveryWorker>.Instance, limiter);
        await worker.StartAsync(CancellationToken.None);
        return worker;
    }

    private async Task<int> CountAsync(string where)
        => (int)await _database.ScalarAsync<long>($"SELECT count(*) FROM notify.deliveries WHERE {where} AND @id IS NOT NULL", Guid.Empty);

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => Poll.UntilAsync(condition, Eventually);
}
