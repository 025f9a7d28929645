using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Notify.Delivery.Content;
using Notify.Delivery.Engine;
using Notify.Delivery.Health;
using Notify.Delivery.Providers;
using Notify.Delivery.Retries;
using Notify.Delivery.Telemetry;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Outbox.Controls;
using Notify.Outbox.Reading;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Delivery;

/// <summary>
/// Pause and resume against real workers and a real database: what an operator notices is that
/// nothing more is sent (within 5 s, on every replica), nothing is lost or spent, and everything
/// goes out once on resume. Each test has a database of its own, so one test's pause is not another's.
/// </summary>
public sealed class ChannelControlTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    // The promise to operators: a pause reaches every replica within 5 s.
    private static readonly TimeSpan PauseDeadline = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(30);
    // Long enough for many claims (the workers poll every 100 ms) were the pause not holding.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1.5);

    private readonly CapturedLogs _logs = new();
    private OutboxDatabase _database = null!;
    private ChannelControlStore _controls = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _controls = new ChannelControlStore(_database.DataSource);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Pausing_a_channel_stops_both_replicas_within_5_s_without_losing_or_spending_anything_and_resume_sends_each_once()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add(await _database.SeedAsync(ChannelNames.Sms, $"+1415557{i:0000}"));
        }
        var provider = new ScriptedProvider(delay: TimeSpan.FromMilliseconds(100));
        await using var a = await StartAsync(ChannelNames.Sms, [provider], "replica-a", concurrency: 2);
        await using var b = await StartAsync(ChannelNames.Sms, [provider], "replica-b", concurrency: 2);
        await provider.FirstCallStarted.Task.WaitAsync(Eventually);

        await _controls.PauseAsync(ChannelNames.Sms, null, "carrier incident INC-42", "oncall@example.com", default);

        // Both replicas stop claiming and the calls in flight finish, within the deadline.
        await WaitUntilAsync(PauseDeadline, async () => !a.Worker.IsClaiming && !b.Worker.IsClaiming && await CountAsync("status = 'SENDING'") == 0);
        var callsAtPause = provider.TotalCalls;
        await Task.Delay(Quiet);

        Assert.Equal(callsAtPause, provider.TotalCalls);
        Assert.InRange(callsAtPause, 1, 39);
        // Every call made went through; everything else waits, untouched: no attempt spent.
        Assert.Equal(callsAtPause, await CountAsync("status = 'SENT' AND attempt_count = 1"));
        Assert.Equal(40 - callsAtPause, await CountAsync("status = 'PENDING' AND attempt_count = 0"));
        Assert.Equal(callsAtPause, await ScalarAsync("SELECT count(*) FROM notify.delivery_attempts"));
        Assert.Contains(_logs.Lines, l => l.Contains("sms: channel paused, not claiming (carrier incident INC-42)", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("oncall@example.com", StringComparison.Ordinal));

        await _controls.ResumeAsync(ChannelNames.Sms, null, "carrier recovered", "oncall@example.com", default);

        await WaitUntilAsync(Eventually, async () => await CountAsync("status = 'SENT'") == 40);
        Assert.All(ids, id => Assert.Equal(1, provider.Calls[id]));
        Assert.Equal(40, await CountAsync("attempt_count = 1"));
        Assert.Contains(_logs.Lines, l => l.Contains("sms: channel resumed (carrier recovered)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pause_written_without_a_wake_up_still_reaches_every_replica_by_the_poll()
    {
        var provider = new ScriptedProvider();
        await using var a = await StartAsync(ChannelNames.Email, [provider], "replica-a");
        await using var b = await StartAsync(ChannelNames.Email, [provider], "replica-b");
        await WaitUntilAsync(Eventually, () => Task.FromResult(a.Worker.IsClaiming && b.Worker.IsClaiming));

        // As if the NOTIFY were lost: the row changes, nobody is told.
        await SqlAsync("INSERT INTO notify.channel_controls (channel, provider, paused, paused_at, reason, actor) VALUES ('email', '', true, now(), 'written by hand', 'dba')");

        await WaitUntilAsync(PauseDeadline, () => Task.FromResult(!a.Worker.IsClaiming && !b.Worker.IsClaiming));
        var id = await _database.SeedAsync(ChannelNames.Email, "held@example.com");
        await Task.Delay(Quiet);
        Assert.Equal(0, provider.TotalCalls);
        Assert.Equal("PENDING", await _database.StatusAsync(id));

        await SqlAsync("UPDATE notify.channel_controls SET paused = false, paused_at = NULL");

        await WaitUntilAsync(Eventually, async () => await _database.StatusAsync(id) == "SENT");
        Assert.Equal(1, provider.Calls[id]);
    }

    [Fact]
    public async Task A_replica_that_starts_while_its_channel_is_paused_sends_nothing()
    {
        await _controls.PauseAsync(ChannelNames.WhatsApp, null, "template review", "oncall", default);
        var id = await _database.SeedAsync(ChannelNames.WhatsApp, "+14155550190");
        var provider = new ScriptedProvider(name: "whatsapp");

        await using var worker = await StartAsync(ChannelNames.WhatsApp, [provider], "replica-a");
        await WaitUntilAsync(Eventually, () => Task.FromResult(worker.Worker.Pauses.Known));
        await Task.Delay(Quiet);

        Assert.False(worker.Worker.IsClaiming);
        Assert.Equal(0, provider.TotalCalls);
        Assert.Equal("PENDING", await _database.StatusAsync(id));
    }

    [Fact]
    public async Task Pausing_one_provider_of_a_failover_pair_sends_through_the_other_and_resuming_it_brings_it_back()
    {
        var primary = new ScriptedProvider(name: "sendgrid");
        var secondary = new ScriptedProvider(name: "smtp");
        await _controls.PauseAsync(ChannelNames.Email, "sendgrid", "SendGrid incident", "oncall", default);
        var ids = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await _database.SeedAsync(ChannelNames.Email, $"pair{i}@example.com"));
        }

        await using var worker = await StartAsync(ChannelNames.Email, [primary, secondary], "replica-a");
        await WaitUntilAsync(Eventually, async () => await CountAsync("status = 'SENT'") == 10);

        Assert.Equal(0, primary.TotalCalls);
        Assert.Equal(10, await CountAsync("provider = 'smtp' AND attempt_count = 1"));
        Assert.Equal(10, await ScalarAsync("SELECT count(*) FROM notify.delivery_attempts WHERE provider = 'smtp' AND outcome = 'sent'"));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM notify.delivery_attempts WHERE provider = 'sendgrid'"));
        Assert.True(worker.Worker.IsClaiming);

        await _controls.ResumeAsync(ChannelNames.Email, "sendgrid", "SendGrid recovered", "oncall", default);
        await WaitUntilAsync(PauseDeadline, () => Task.FromResult(!worker.Worker.Pauses.ProviderPaused("sendgrid")));
        var after = await _database.SeedAsync(ChannelNames.Email, "after@example.com");

        await WaitUntilAsync(Eventually, async () => await _database.StatusAsync(after) == "SENT");
        Assert.Equal("sendgrid", await _database.ScalarAsync<string>("SELECT provider FROM notify.deliveries WHERE id = @id", after));
    }

    [Fact]
    public async Task With_every_provider_paused_the_worker_stops_claiming_and_shows_it_in_health_and_metrics()
    {
        using var gauge = new PausedGauge();
        var primary = new ScriptedProvider(name: "sendgrid");
        var secondary = new ScriptedProvider(name: "smtp");
        await using var worker = await StartAsync(ChannelNames.Email, [primary, secondary], "replica-a");
        await WaitUntilAsync(Eventually, () => Task.FromResult(worker.Worker.IsClaiming));

        await _controls.PauseAsync(ChannelNames.Email, "sendgrid", "SendGrid incident", "oncall", default);
        await _controls.PauseAsync(ChannelNames.Email, "smtp", "relay maintenance", "oncall", default);
        await WaitUntilAsync(PauseDeadline, () => Task.FromResult(!worker.Worker.IsClaiming));
        var id = await _database.SeedAsync(ChannelNames.Email, "waiting@example.com");
        await Task.Delay(Quiet);

        Assert.Equal(0, primary.TotalCalls + secondary.TotalCalls);
        Assert.Equal("PENDING", await _database.StatusAsync(id));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM notify.delivery_attempts"));
        var health = await HealthAsync(worker.Worker, ChannelNames.Email);
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("sendgrid paused", health.Description, StringComparison.Ordinal);
        Assert.Contains("smtp paused", health.Description, StringComparison.Ordinal);
        Assert.Equal(false, health.Data["paused"]);
        Assert.Equal(false, health.Data["claiming"]);
        Assert.Contains("Paused = True", string.Join(";", ((System.Collections.IEnumerable)health.Data["providers"]).Cast<object>()), StringComparison.Ordinal);
        Assert.Equal(1, gauge.Read(ChannelNames.Email, "sendgrid"));
        Assert.Equal(1, gauge.Read(ChannelNames.Email, "smtp"));
        Assert.Equal(0, gauge.Read(ChannelNames.Email, ""));

        // One provider back is enough to send again.
        await _controls.ResumeAsync(ChannelNames.Email, "smtp", "relay back", "oncall", default);

        await WaitUntilAsync(Eventually, async () => await _database.StatusAsync(id) == "SENT");
        Assert.Equal(0, primary.TotalCalls);
        Assert.Equal(1, secondary.Calls[id]);
        Assert.Equal(0, gauge.Read(ChannelNames.Email, "smtp"));
    }

    [Fact]
    public async Task The_whole_channel_paused_shows_in_health_with_its_reason()
    {
        var provider = new ScriptedProvider();
        await using var worker = await StartAsync(ChannelNames.Webhook, [provider], "replica-a");
        await _controls.PauseAsync(ChannelNames.Webhook, null, "endpoint owners asked", "oncall", default);
        await WaitUntilAsync(PauseDeadline, () => Task.FromResult(worker.Worker.Pauses.ChannelPaused));

        var health = await HealthAsync(worker.Worker, ChannelNames.Webhook);

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("paused (endpoint owners asked)", health.Description, StringComparison.Ordinal);
        Assert.Equal(true, health.Data["paused"]);
        Assert.Contains("endpoint owners asked", health.Data["pause"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delivery_only_a_paused_provider_serves_is_handed_back_without_an_attempt_while_the_others_go_out()
    {
        var android = await _database.SeedAsync(ChannelNames.Push, "android-token");
        var apple = await _database.SeedAsync(ChannelNames.Push, "apple-token");
        var fcm = new ScriptedProvider(name: "fcm", handles: d => d.Recipient.StartsWith("android", StringComparison.Ordinal));
        var apns = new ScriptedProvider(name: "apns", handles: d => d.Recipient.StartsWith("apple", StringComparison.Ordinal));
        await _controls.PauseAsync(ChannelNames.Push, "fcm", "FCM quota incident", "oncall", default);

        await using (var worker = await StartAsync(ChannelNames.Push, [fcm, apns], "replica-a"))
        {
            await WaitUntilAsync(Eventually, async () => await _database.StatusAsync(apple) == "SENT"
                && await _database.ScalarAsync<string?>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", android) == "PAUSED");

            Assert.Equal(0, fcm.TotalCalls);
            Assert.Equal("PENDING", await _database.StatusAsync(android));
            Assert.Equal(0, await _database.ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", android));

            await _controls.ResumeAsync(ChannelNames.Push, "fcm", "FCM back", "oncall", default);
            await WaitUntilAsync(Eventually, async () => await _database.StatusAsync(android) == "SENT");
        }

        Assert.Equal(1, fcm.Calls[android]);
        Assert.Equal(1, await _database.ScalarAsync<int>("SELECT attempt_count FROM notify.deliveries WHERE id = @id", android));
    }

    private async Task<RunningWorker> StartAsync(string channel, IDeliveryProvider[] providers, string workerId, int concurrency = 8)
    {
        var options = new DeliveryWorkerOptions
        {
            Channel = channel,
            WorkerId = workerId,
            MaxConcurrency = concurrency,
            BatchSize = 10,
            PollInterval = TimeSpan.FromMilliseconds(100),
            ReapInterval = TimeSpan.FromSeconds(1),
            // ControlsInterval keeps its default (2 s): the deadlines above hold with the production setting.
        };
        var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        var worker = new DeliveryWorker(new DeliveryStore(_database.DataSource), _database.DataSource, providers, new InlineContentResolver(),
            new RetrySchedule([TimeSpan.FromMilliseconds(100)], Jitter: 0), Microsoft.Extensions.Options.Options.Create(options),
            TimeProvider.System, loggers.CreateLogger<DeliveryWorker>());
        await worker.StartAsync(CancellationToken.None);
        return new RunningWorker(worker, loggers);
    }

    /// <summary>The channel's <c>/health/detail</c> entry as the health check builds it from this worker.</summary>
    private async Task<HealthCheckResult> HealthAsync(DeliveryWorker worker, string channel)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new DeliveryWorkerOptions { Channel = channel });
        var queue = new QueueMonitor(new QueueStatistics(_database.DataSource), options, TimeProvider.System, NullLogger<QueueMonitor>.Instance);
        return await new ChannelHealthCheck(worker, queue, options, TimeProvider.System).CheckHealthAsync(new HealthCheckContext());
    }

    private async Task SqlAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<int> CountAsync(string where)
        => await ScalarAsync($"SELECT count(*) FROM notify.deliveries WHERE {where}");

    private async Task<int> ScalarAsync(string sql)
        => (int)await _database.ScalarAsync<long>($"SELECT ({sql}) WHERE @id IS NOT NULL", Guid.Empty);

    private static Task WaitUntilAsync(TimeSpan within, Func<Task<bool>> condition) => Poll.UntilAsync(condition, within);

    private sealed class RunningWorker(DeliveryWorker worker, ILoggerFactory loggers) : IAsyncDisposable
    {
        public DeliveryWorker Worker => worker;

        public async ValueTask DisposeAsync()
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
            loggers.Dispose();
        }
    }

    /// <summary>Reads <c>notify.channel.paused</c> as a scrape would.</summary>
    private sealed class PausedGauge : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Channel, string Provider, int Value)> _seen = [];

        public PausedGauge()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Notify" && instrument.Name == "notify.channel.paused")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
            {
                string channel = "", provider = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == "channel") { channel = (string)tag.Value!; }
                    if (tag.Key == "provider") { provider = (string)tag.Value!; }
                }
                _seen.Add((channel, provider, value));
            });
            _listener.Start();
        }

        /// <summary>The highest value reported for the series now (other tests' workers of the same channel report 0).</summary>
        public int Read(string channel, string provider)
        {
            lock (_seen)
            {
                _seen.Clear();
                _listener.RecordObservableInstruments();
                return _seen.Where(s => s.Channel == channel && s.Provider == provider).Select(s => s.Value).DefaultIfEmpty(-1).Max();
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
