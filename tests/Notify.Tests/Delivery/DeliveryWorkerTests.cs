using Microsoft.Extensions.Logging.Abstractions;
using Notify.Delivery.Content;
using Notify.Delivery.Engine;
using Notify.Delivery.Providers;
using Notify.Delivery.RateLimiting;
using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Delivery;

/// <summary>The claim loop against a real database: what a user sees is each row's final status.</summary>
public sealed class DeliveryWorkerTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(30);
    private OutboxDatabase _database = null!;

    public async ValueTask InitializeAsync() => _database = await OutboxDatabase.CreateAsync(infrastructure);

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Two_workers_deliver_every_pending_delivery_exactly_once()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 150; i++)
        {
            ids.Add(await _database.SeedAsync(ChannelNames.Email, $"user{i}@example.com"));
        }
        var provider = new ScriptedProvider();

        await using (await StartAsync(provider, "worker-a"))
        await using (await StartAsync(provider, "worker-b"))
        {
            await WaitUntilAsync(async () => await CountAsync("status = 'SENT'") == 150);
        }

        Assert.All(ids, id => Assert.Equal(1, provider.Calls[id]));
        Assert.Equal(150, await CountAsync("provider_message_id LIKE 'prov-%' AND attempt_count = 1"));
        Assert.Equal(150L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.delivery_attempts WHERE @id IS NOT NULL", Guid.Empty));
    }

    [Fact]
    public async Task A_retryable_failure_is_retried_then_sent()
    {
        var id = await _database.SeedAsync(ChannelNames.Sms, "+14155550123");
        var provider = new ScriptedProvider();
        provider.Script("+14155550123", new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "30001", ErrorMessage: "Queue overflow", HttpStatus: 500));

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "SENT");
        }

        Assert.Equal(2, provider.Calls[id]);
        Assert.Equal(2, await _database.ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", id));
        Assert.Equal(["retryable", "sent"], await OutcomesAsync(id));
    }

    [Fact]
    public async Task A_permanent_rejection_is_dead_with_the_providers_code()
    {
        var id = await _database.SeedAsync(ChannelNames.Sms, "+14155550124");
        var provider = new ScriptedProvider();
        provider.Script("+14155550124", new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "21211", ErrorMessage: "Invalid 'To' Phone Number", HttpStatus: 400));

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "DEAD");
        }

        Assert.Equal("21211", await _database.ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", id));
        Assert.Equal(1, provider.Calls[id]);
    }

    [Fact]
    public async Task Retries_stop_when_attempts_are_exhausted()
    {
        var id = await _database.SeedAsync(ChannelNames.Push, "token-1", maxAttempts: 3);
        var provider = new ScriptedProvider();
        var busy = new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "UNAVAILABLE", HttpStatus: 503);
        provider.Script("token-1", busy, busy, busy, busy);

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "DEAD");
        }

        Assert.Equal(3, provider.Calls[id]);
    }

    [Fact]
    public async Task A_provider_that_throws_fails_only_that_delivery_and_the_worker_carries_on()
    {
        var broken = await _database.SeedAsync(ChannelNames.Email, "broken@example.com");
        var fine = await _database.SeedAsync(ChannelNames.Email, "fine@example.com");
        var provider = new ScriptedProvider();
        provider.ThrowOnce["broken@example.com"] = true;

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(broken) == "SENT" && await _database.StatusAsync(fine) == "SENT");
        }

        Assert.Equal(["retryable", "sent"], await OutcomesAsync(broken));
        Assert.Equal(1, provider.Calls[fine]);
    }

    [Fact]
    public async Task An_expired_delivery_is_never_sent()
    {
        var id = await _database.SeedAsync(ChannelNames.Email, expiresAt: DateTime.UtcNow.AddMilliseconds(200));
        await Task.Delay(300);
        var provider = new ScriptedProvider();

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "EXPIRED");
        }

        Assert.False(provider.Calls.ContainsKey(id));
    }

    [Fact]
    public async Task A_commit_wakes_an_idle_worker_without_waiting_for_the_poll()
    {
        var provider = new ScriptedProvider();
        await using var worker = await StartAsync(provider, "worker-a", pollInterval: TimeSpan.FromMinutes(5));
        await Task.Delay(500); // the worker is now idle, listening

        var id = await _database.SeedAsync(ChannelNames.Email);

        await WaitUntilAsync(async () => await _database.StatusAsync(id) == "SENT");
    }

    [Fact]
    public async Task Shutdown_finishes_calls_in_flight_and_releases_the_rest()
    {
        for (var i = 0; i < 20; i++)
        {
            await _database.SeedAsync(ChannelNames.Email, $"slow{i}@example.com");
        }
        var provider = new ScriptedProvider(delay: TimeSpan.FromMilliseconds(300));
        var worker = await StartAsync(provider, "worker-a", concurrency: 2);
        await provider.FirstCallStarted.Task.WaitAsync(Eventually);

        await worker.DisposeAsync();

        Assert.Equal(0, await CountAsync("status = 'SENDING'"));
        Assert.Equal(20, await CountAsync("status IN ('SENT', 'PENDING')"));
        Assert.Equal(provider.Calls.Count, await CountAsync("status = 'SENT'"));
        Assert.True(await CountAsync("status = 'PENDING'") > 0);
    }

    [Fact]
    public async Task An_outage_opens_the_circuit_and_no_further_attempts_are_burned()
    {
        for (var i = 0; i < 20; i++)
        {
            await _database.SeedAsync(ChannelNames.Sms, $"+1415555{i:0000}");
        }
        var provider = new ScriptedProvider();
        provider.FailNext(1_000, new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503", HttpStatus: 503));

        await using (await StartAsync(provider, "worker-a", concurrency: 1, circuitBreak: TimeSpan.FromMinutes(10)))
        {
            await WaitUntilAsync(async () => provider.TotalCalls >= 5 && await CountAsync("status = 'SENDING'") == 0);
            await Task.Delay(1_000); // time enough for more claims, were the circuit not open
        }

        Assert.Equal(5, provider.TotalCalls);
        Assert.Equal(5, await CountAsync("attempt_count = 1 AND status = 'RETRYING'"));
        Assert.Equal(15, await CountAsync("attempt_count = 0 AND status = 'PENDING'"));
    }

    [Fact]
    public async Task After_the_break_a_probe_closes_the_circuit_and_everything_is_delivered()
    {
        for (var i = 0; i < 20; i++)
        {
            await _database.SeedAsync(ChannelNames.Sms, $"+1415556{i:0000}");
        }
        var provider = new ScriptedProvider();
        provider.FailNext(5, new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503", HttpStatus: 503));

        await using (await StartAsync(provider, "worker-a", concurrency: 1, circuitBreak: TimeSpan.FromSeconds(1)))
        {
            await WaitUntilAsync(async () => await CountAsync("status = 'SENT'") == 20);
        }

        Assert.Equal(25, provider.TotalCalls);
    }

    [Fact]
    public async Task Two_replicas_together_stay_within_one_shared_rate_limit()
    {
        for (var i = 0; i < 30; i++)
        {
            await _database.SeedAsync(ChannelNames.Email, $"rate{i}@example.com");
        }
        var provider = new ScriptedProvider();
        await using var redisA = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        await using var redisB = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var rate = (PerSecond: 10.0, Burst: 2);

        await using (await StartAsync(provider, "replica-a", limiter: Limiter(redisA), rate: rate))
        await using (await StartAsync(provider, "replica-b", limiter: Limiter(redisB), rate: rate))
        {
            await WaitUntilAsync(async () => await CountAsync("status = 'SENT'") == 30);
        }

        // However slow the machine, no one-second window may hold more than the rate plus
        // the burst (and one call of rounding at the window's edge).
        var times = provider.CallTimes.Order().ToArray();
        var second = System.Diagnostics.Stopwatch.Frequency;
        var busiest = times.Select((start, i) => times.Skip(i).TakeWhile(t => t - start < second).Count()).Max();
        Assert.InRange(busiest, 1, 10 + 2 + 1);
    }

    /// <summary>
    /// At 1 message/s a claim of the whole batch (100) would hold every row SENDING for minutes,
    /// waiting for the limiter: an operator would see 40 "in flight" that are not. A claim takes
    /// what the rate sends in 5 s (6 here), so the rest stays PENDING, claimable by anyone.
    /// </summary>
    [Fact]
    public async Task Under_a_slow_rate_a_claim_holds_only_what_the_rate_can_send_soon()
    {
        for (var i = 0; i < 40; i++)
        {
            await _database.SeedAsync(ChannelNames.Sms, $"+1415555{i:D4}");
        }
        var provider = new ScriptedProvider(name: "slow-rate");
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var mostSending = 0;

        await using (await StartAsync(provider, "slow-worker", concurrency: 50, limiter: Limiter(redis), rate: (1.0, 1), batchSize: 100))
        {
            await WaitUntilAsync(async () => await CountAsync("status = 'SENT'") >= 2);
            for (var sample = 0; sample < 20; sample++)
            {
                mostSending = Math.Max(mostSending, await CountAsync("status = 'SENDING'"));
                await Task.Delay(100);
            }
        }

        // Two claims in flight (BatchesInFlight) of 1/s × 5 s + a burst of 1.
        Assert.InRange(mostSending, 1, 2 * 6);
        Assert.True(await CountAsync("status = 'PENDING'") > 0);
    }

    [Fact]
    public async Task A_transient_failure_fails_over_to_the_next_provider_within_the_same_attempt()
    {
        var id = await _database.SeedAsync(ChannelNames.Email, "failover@example.com");
        var primary = new ScriptedProvider(name: "sendgrid");
        var secondary = new ScriptedProvider(name: "smtp");
        primary.Script("failover@example.com", new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503", HttpStatus: 503));

        await using (await StartAsync([primary, secondary], "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "SENT");
        }

        Assert.Equal("smtp", await _database.ScalarAsync<string>("SELECT provider FROM notify.deliveries WHERE id = @id", id));
        Assert.Equal(1, await _database.ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", id));
        Assert.Equal(["sendgrid:retryable:1", "smtp:sent:1"], await AttemptsAsync(id));
    }

    [Fact]
    public async Task A_permanent_rejection_is_not_failed_over()
    {
        var id = await _database.SeedAsync(ChannelNames.Email, "nobody@example.com");
        var primary = new ScriptedProvider(name: "sendgrid");
        var secondary = new ScriptedProvider(name: "smtp");
        primary.Script("nobody@example.com", new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "invalid_email", HttpStatus: 400));

        await using (await StartAsync([primary, secondary], "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "DEAD");
        }

        Assert.Equal(0, secondary.TotalCalls);
        Assert.Equal("invalid_email", await _database.ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", id));
    }

    [Fact]
    public async Task Each_recipient_goes_only_to_the_provider_that_serves_it_even_while_the_other_is_down()
    {
        var android = await _database.SeedAsync(ChannelNames.Push, "android-token");
        var apple = await _database.SeedAsync(ChannelNames.Push, "apple-token");
        var fcm = new ScriptedProvider(name: "fcm", handles: d => d.Recipient.StartsWith("android", StringComparison.Ordinal));
        var apns = new ScriptedProvider(name: "apns", handles: d => d.Recipient.StartsWith("apple", StringComparison.Ordinal));
        fcm.FailNext(1_000, new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "UNAVAILABLE", HttpStatus: 503));

        await using (await StartAsync([fcm, apns], "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(apple) == "SENT");
            await WaitUntilAsync(async () => fcm.TotalCalls >= 2);
        }

        Assert.Equal(0, apns.Calls.GetValueOrDefault(android));
        Assert.Equal(0, fcm.Calls.GetValueOrDefault(apple));
        Assert.NotEqual("SENT", await _database.StatusAsync(android));
    }

    [Fact]
    public async Task A_deferral_hands_the_delivery_back_without_using_an_attempt()
    {
        var id = await _database.SeedAsync(ChannelNames.WhatsApp, "+14155550125", maxAttempts: 1);
        var provider = new ScriptedProvider();
        provider.Script("+14155550125", ProviderResult.Defer(TimeSpan.FromMilliseconds(300), "TIER_LIMIT", "tier spent"));

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "SENT");
        }

        // One attempt allowed, and it was still there after the deferral.
        Assert.Equal(1, await _database.ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", id));
        Assert.Equal(["scripted:sent:1"], await AttemptsAsync(id));
    }

    [Fact]
    public async Task A_recipient_the_provider_says_is_gone_goes_onto_the_suppression_list()
    {
        var id = await _database.SeedAsync(ChannelNames.Push, "stale-token");
        var provider = new ScriptedProvider();
        provider.Script("stale-token", new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "UNREGISTERED", HttpStatus: 404) { SuppressReason = "unregistered" });

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await _database.StatusAsync(id) == "DEAD");
        }

        Assert.Equal("unregistered", await _database.ScalarAsync<string>(
            "SELECT s.reason FROM notify.suppressions s JOIN notify.deliveries d ON d.tenant_id = s.tenant_id AND d.channel = s.channel AND d.recipient = s.address WHERE d.id = @id", id));
    }

    [Fact]
    public async Task Deliveries_held_by_a_crashed_worker_are_reaped_and_delivered_by_another()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _database.SeedAsync(ChannelNames.Sms, $"+1415555{i:D4}"));
        }
        // A worker claims them and dies before sending: its lease runs out.
        var crashed = await new DeliveryStore(_database.DataSource).ClaimAsync(ChannelNames.Sms, "crashed-worker", 10, TimeSpan.FromMilliseconds(300), default);
        Assert.Equal(5, crashed.Count);
        var provider = new ScriptedProvider();

        await using (await StartAsync(provider, "worker-b"))
        {
            await WaitUntilAsync(async () => await CountAsync("status = 'SENT'") == 5);
        }

        Assert.All(ids, id => Assert.Equal(1, provider.Calls[id]));
        // The lost claim counts as an attempt (the provider may have had it), recorded as LOCK_EXPIRED.
        Assert.Equal(5, await CountAsync("attempt_count = 2 AND locked_by IS NULL"));
    }

    [Fact]
    public async Task A_failing_endpoint_opens_only_its_own_circuit_and_other_endpoints_keep_receiving()
    {
        const string broken = "https://broken.example/hook", healthy = "https://healthy.example/hook";
        var provider = new ScriptedProvider(name: "webhook", circuitKey: d => d.Recipient);
        var down = new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503", HttpStatus: 503);
        provider.Script(broken, [.. Enumerable.Repeat(down, 50)]);
        var brokenIds = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            brokenIds.Add(await _database.SeedAsync(ChannelNames.Webhook, broken, maxAttempts: 10));
        }

        await using (await StartAsync(provider, "worker-a"))
        {
            await WaitUntilAsync(async () => await CountAsync("last_error_code = 'CIRCUIT_OPEN'") > 0);
            var healthyIds = new List<Guid>();
            for (var i = 0; i < 3; i++)
            {
                healthyIds.Add(await _database.SeedAsync(ChannelNames.Webhook, healthy));
            }
            await WaitUntilAsync(async () => await CountAsync($"recipient = '{healthy}' AND status = 'SENT'") == 3);
        }

        // The broken endpoint got the calls that opened its circuit (a batch in flight at most), no more.
        Assert.InRange(brokenIds.Sum(id => provider.Calls.GetValueOrDefault(id)), 5, 6);
        Assert.Equal(0, await CountAsync($"recipient = '{broken}' AND status IN ('SENT', 'DEAD')"));
    }

    private RedisRateLimiter Limiter(StackExchange.Redis.IConnectionMultiplexer redis)
        => new(redis, replicas: 2, TimeProvider.System, NullLogger<RedisRateLimiter>.Instance);

    private Task<RunningWorker> StartAsync(IDeliveryProvider provider, string workerId, int concurrency = 8, TimeSpan? pollInterval = null,
        TimeSpan? circuitBreak = null, RedisRateLimiter? limiter = null, (double PerSecond, int Burst)? rate = null, int batchSize = 10)
        => StartAsync([provider], workerId, concurrency, pollInterval, circuitBreak, limiter, rate, batchSize);

    /// <summary>Starts one worker per channel with <paramref name="providers"/> in failover order.</summary>
    private async Task<RunningWorker> StartAsync(IDeliveryProvider[] providers, string workerId, int concurrency = 8, TimeSpan? pollInterval = null,
        TimeSpan? circuitBreak = null, RedisRateLimiter? limiter = null, (double PerSecond, int Burst)? rate = null, int batchSize = 10)
    {
        var workers = new List<DeliveryWorker>();
        foreach (var channel in ChannelNames.All)
        {
            // One worker per channel, as the five channel processes would run.
            var perChannel = new DeliveryWorkerOptions
            {
                Channel = channel,
                WorkerId = workerId,
                MaxConcurrency = concurrency,
                BatchSize = batchSize,
                PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(100),
                ReapInterval = TimeSpan.FromSeconds(1),
                CircuitBreak = circuitBreak ?? TimeSpan.FromSeconds(60),
                RatePerSecond = rate?.PerSecond ?? 0,
                RateBurst = rate?.Burst ?? 1,
            };
            var worker = new DeliveryWorker(new DeliveryStore(_database.DataSource), _database.DataSource, providers, new InlineContentResolver(),
                new RetrySchedule([TimeSpan.FromMilliseconds(100)], Jitter: 0), Microsoft.Extensions.Options.Options.Create(perChannel),
                TimeProvider.System, NullLogger<DeliveryWorker>.Instance, limiter);
            await worker.StartAsync(CancellationToken.None);
            workers.Add(worker);
        }
        return new RunningWorker(workers);
    }

    private Task<int> CountAsync(string where)
        => _database.ScalarAsync<long>($"SELECT count(*) FROM notify.deliveries WHERE {where} AND @id IS NOT NULL", Guid.Empty).ContinueWith(t => (int)t.Result);

    private async Task<List<string>> OutcomesAsync(Guid id)
    {
        await using var command = _database.DataSource.CreateCommand("SELECT outcome FROM notify.delivery_attempts WHERE delivery_id = @id ORDER BY attempt_number");
        command.Parameters.AddWithValue("id", id);
        var outcomes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            outcomes.Add(reader.GetString(0));
        }
        return outcomes;
    }

    /// <summary>Every provider call of a delivery as "provider:outcome:attempt number", in order.</summary>
    private async Task<List<string>> AttemptsAsync(Guid id)
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT provider || ':' || outcome || ':' || attempt_number FROM notify.delivery_attempts WHERE delivery_id = @id ORDER BY started_at");
        command.Parameters.AddWithValue("id", id);
        var attempts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            attempts.Add(reader.GetString(0));
        }
        return attempts;
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => Poll.UntilAsync(condition, Eventually);

    private sealed class RunningWorker(List<DeliveryWorker> workers) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var worker in workers)
            {
                await worker.StopAsync(CancellationToken.None);
                worker.Dispose();
            }
        }
    }
}
