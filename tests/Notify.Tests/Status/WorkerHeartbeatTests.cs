using Microsoft.Extensions.Logging;
using Notify.Delivery.Content;
using Notify.Delivery.Engine;
using Notify.Delivery.Heartbeats;
using Notify.Delivery.Providers;
using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Outbox.Controls;
using Notify.Outbox.Reading;
using Notify.Outbox.Status;
using Notify.Tests.Delivery;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Status;

/// <summary>
/// A real delivery worker and its heartbeat against a real database, read back through the
/// status reader: what an operator sees in <c>notifyctl status</c> while the worker runs, when
/// a circuit opens or the channel is paused, when the heartbeat cannot be written, and after a
/// clean stop. (A killed process aging out is in <see cref="WorkerStatusTopologyTests"/>.)
/// </summary>
public sealed class WorkerHeartbeatTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(30);

    private readonly CapturedLogs _logs = new();
    private OutboxDatabase _database = null!;
    private SystemStatusReader _status = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _status = new SystemStatusReader(_database.DataSource, new QueueStatistics(_database.DataSource),
            new ChannelControlStore(_database.DataSource), Microsoft.Extensions.Options.Options.Create(new SystemStatusOptions()));
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task A_running_worker_is_listed_with_its_circuits_and_pauses_and_is_gone_after_a_clean_stop()
    {
        var sendgrid = new ScriptedProvider(name: "sendgrid");
        var smtp = new ScriptedProvider(name: "smtp");
        var channel = await StartAsync(ChannelNames.Email, [sendgrid, smtp], "mail-1");
        WorkerSnapshot worker;
        try
        {
            worker = await WaitForWorkerAsync(ChannelNames.Email, "mail-1", w => w.Claiming);
            Assert.Equal((Environment.MachineName, Environment.ProcessId), (worker.Host, worker.Pid));
            Assert.Equal(new[] { ("sendgrid", "closed"), ("smtp", "closed") }, worker.Circuits.Select(c => (c.Provider, c.State)));
            Assert.Empty(worker.Paused);

            // SendGrid fails twice in a row: its circuit opens, the mail goes out through SMTP.
            sendgrid.FailNext(2, new ProviderResult(ProviderOutcome.Retryable, ErrorCode: "503", HttpStatus: 503));
            var first = await _database.SeedAsync(ChannelNames.Email, "first@example.com");
            var second = await _database.SeedAsync(ChannelNames.Email, "second@example.com");
            await WaitUntilAsync(async () => await _database.StatusAsync(first) == "SENT" && await _database.StatusAsync(second) == "SENT");

            worker = await WaitForWorkerAsync(ChannelNames.Email, "mail-1", w => w.Circuits[0].State != "closed");
            Assert.Equal(new[] { ("sendgrid", "open"), ("smtp", "closed") }, worker.Circuits.Select(c => (c.Provider, c.State)));
            Assert.True(worker.Claiming);

            // Paused: the heartbeat says the worker honours it and does not claim.
            var controls = new ChannelControlStore(_database.DataSource);
            await controls.PauseAsync(ChannelNames.Email, null, "mail incident", "oncall", default);
            await controls.PauseAsync(ChannelNames.Email, "smtp", "relay maintenance", "oncall", default);
            worker = await WaitForWorkerAsync(ChannelNames.Email, "mail-1", w => w.ChannelPaused && w.PausedProviders.Any());
            Assert.False(worker.Claiming);
            Assert.Equal(new[] { "smtp" }, worker.PausedProviders);
            Assert.True((await _status.ReadAsync(default))[ChannelNames.Email].Paused);
        }
        finally
        {
            await channel.DisposeAsync();
        }

        // A clean stop deletes the row: gone at once, not after the window.
        Assert.Empty((await _status.ReadAsync(default))[ChannelNames.Email].Workers);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.workers WHERE @id IS NOT NULL", Guid.Empty));
    }

    [Fact]
    public async Task A_heartbeat_that_cannot_be_written_is_logged_once_and_delivery_goes_on()
    {
        var provider = new ScriptedProvider(name: "twilio");
        await using var channel = await StartAsync(ChannelNames.Sms, [provider], "sms-1");
        await WaitForWorkerAsync(ChannelNames.Sms, "sms-1", w => w.Claiming);

        // The table is away (as in an outage of writes to it): each beat fails.
        await SqlAsync("ALTER TABLE notify.workers RENAME TO workers_away");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _database.SeedAsync(ChannelNames.Sms, $"+1415555{i:0000}"));
        }
        await WaitUntilAsync(async () =>
        {
            foreach (var id in ids)
            {
                if (await _database.StatusAsync(id) != "SENT")
                {
                    return false;
                }
            }
            return true;
        });
        // Many beats later (every 100 ms), still one line for the outage.
        await WaitUntilAsync(() => Task.FromResult(Lines(3301).Count == 1));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(Lines(3301));
        Assert.Contains("sms: could not write the heartbeat of worker sms-1 (PostgresException)", Lines(3301)[0], StringComparison.Ordinal);

        await SqlAsync("ALTER TABLE notify.workers_away RENAME TO workers");

        await WaitForWorkerAsync(ChannelNames.Sms, "sms-1", w => w.Claiming);
        await WaitUntilAsync(() => Task.FromResult(Lines(3302).Count == 1));
        Assert.Single(Lines(3301));
        Assert.All(ids, id => Assert.Equal(1, provider.Calls[id]));
    }

    private List<string> Lines(int eventId) => [.. _logs.Lines.Where(l => l.Contains($"[{eventId}]", StringComparison.Ordinal))];

    /// <summary>Polls the status until <paramref name="workerId"/> is listed for <paramref name="channel"/> and matches.</summary>
    private async Task<WorkerSnapshot> WaitForWorkerAsync(string channel, string workerId, Func<WorkerSnapshot, bool> matches)
    {
        WorkerSnapshot? found = null;
        await WaitUntilAsync(async () =>
        {
            found = (await _status.ReadAsync(default))[channel].Workers.SingleOrDefault(w => w.WorkerId == workerId);
            return found is not null && matches(found);
        });
        return found!;
    }

    /// <summary>Starts a worker and its heartbeat as the host does (heartbeat first, stopped last).</summary>
    private async Task<RunningChannel> StartAsync(string channel, IDeliveryProvider[] providers, string workerId)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new DeliveryWorkerOptions
        {
            Channel = channel,
            WorkerId = workerId,
            BatchSize = 10,
            PollInterval = TimeSpan.FromMilliseconds(100),
            CircuitFailures = 2,
            CircuitBreak = TimeSpan.FromMinutes(5),
            ControlsInterval = TimeSpan.FromMilliseconds(200),
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        });
        var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        var worker = new DeliveryWorker(new DeliveryStore(_database.DataSource), _database.DataSource, providers, new InlineContentResolver(),
            new RetrySchedule([TimeSpan.FromMilliseconds(100)], Jitter: 0), options, TimeProvider.System, loggers.CreateLogger<DeliveryWorker>());
        var heartbeat = new WorkerHeartbeat(new WorkerHeartbeatStore(_database.DataSource), worker, options, TimeProvider.System,
            loggers.CreateLogger<WorkerHeartbeat>());
        await heartbeat.StartAsync(CancellationToken.None);
        await worker.StartAsync(CancellationToken.None);
        return new RunningChannel(worker, heartbeat, loggers);
    }

    private async Task SqlAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => Poll.UntilAsync(condition, Eventually);

    /// <summary>Stops in the host's order: the worker drains first, then the heartbeat removes the row.</summary>
    private sealed class RunningChannel(DeliveryWorker worker, WorkerHeartbeat heartbeat, ILoggerFactory loggers) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await worker.StopAsync(CancellationToken.None);
            await heartbeat.StopAsync(CancellationToken.None);
            worker.Dispose();
            heartbeat.Dispose();
            loggers.Dispose();
        }
    }
}
