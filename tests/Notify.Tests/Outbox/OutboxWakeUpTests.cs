using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Notify.Outbox;
using Notify.Outbox.Writing;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Outbox;

/// <summary>
/// How the outbox writer wakes the channels' workers: the first commit after a quiet spell at
/// once, the commits that follow within the wake-up interval with one NOTIFY after the last of
/// them, and only channels that got something to send.
/// </summary>
public sealed class OutboxWakeUpTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly Guid _tenant = Guid.NewGuid();
    private NpgsqlDataSource _dataSource = null!;
    private OutboxWriter _writer = null!;
    private Listener _listener = null!;

    public async ValueTask InitializeAsync()
    {
        var connectionString = await infrastructure.CreateDatabaseAsync();
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _writer = new OutboxWriter(_dataSource, Microsoft.Extensions.Options.Options.Create(new OutboxWriterOptions { WakeUpInterval = Interval }),
            NullLogger<OutboxWriter>.Instance);
        _listener = await Listener.StartAsync(connectionString, "notify_sms", "notify_email");
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _writer.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task Commits_within_the_interval_share_one_wake_up_sent_after_the_last_of_them()
    {
        await WriteAsync(ChannelNames.Sms);
        var first = await _listener.NextAsync();
        for (var i = 0; i < 4; i++)
        {
            await WriteAsync(ChannelNames.Sms);
        }
        var lastCommitted = DateTimeOffset.UtcNow;
        var second = await _listener.NextAsync();
        await Task.Delay(Interval + TimeSpan.FromMilliseconds(500));

        Assert.Equal("notify_sms", first.Channel);
        Assert.Equal("notify_sms", second.Channel);
        Assert.True(second.At >= lastCommitted, $"The wake-up came at {second.At:HH:mm:ss.fff}, before the last commit at {lastCommitted:HH:mm:ss.fff}.");
        Assert.True(second.At - first.At >= Interval - TimeSpan.FromMilliseconds(50), $"Two wake-ups {(second.At - first.At).TotalMilliseconds:0} ms apart.");
        Assert.Empty(_listener.Received);
    }

    [Fact]
    public async Task Only_channels_with_deliveries_to_send_are_woken_a_replay_wakes_nobody()
    {
        var key = Guid.NewGuid().ToString();
        await WriteAsync(ChannelNames.Email, key);
        Assert.Equal("notify_email", (await _listener.NextAsync()).Channel);
        await Task.Delay(Interval + TimeSpan.FromMilliseconds(200));

        var replay = await WriteAsync(ChannelNames.Email, key);
        await Task.Delay(Interval + TimeSpan.FromMilliseconds(500));

        Assert.True(replay.Replayed);
        Assert.Empty(_listener.Received);
    }

    private async Task<Accepted> WriteAsync(string channel, string? key = null)
    {
        var id = UuidV7.NewNotificationId();
        var delivery = new NewDelivery(UuidV7.DeliveryId(id, 0), channel, channel == ChannelNames.Email ? "someone@example.com" : "+14155550100", null, null, 4);
        var outcome = (await _writer.WriteAsync([new NewNotification(id, _tenant, key ?? Guid.NewGuid().ToString(), [1, 2, 3],
            null, null, null, [1], 0, null, null, null, null, null, null, [delivery])], default))[0];
        return Assert.IsType<Accepted>(outcome);
    }

    /// <summary>A connection that LISTENs and keeps what arrives, with the time it arrived.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _arrived = new(0);
        private Task _loop = Task.CompletedTask;

        private Listener(NpgsqlConnection connection) => _connection = connection;

        public ConcurrentQueue<(string Channel, DateTimeOffset At)> Received { get; } = new();

        public static async Task<Listener> StartAsync(string connectionString, params string[] channels)
        {
            var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var listener = new Listener(connection);
            connection.Notification += (_, e) =>
            {
                listener.Received.Enqueue((e.Channel, DateTimeOffset.UtcNow));
                listener._arrived.Release();
            };
            foreach (var channel in channels)
            {
                await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                await listen.ExecuteNonQueryAsync();
            }
            listener._loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await connection.WaitAsync(listener._stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
            return listener;
        }

        /// <summary>The next notification, waited for up to 10 s.</summary>
        public async Task<(string Channel, DateTimeOffset At)> NextAsync()
        {
            Assert.True(await _arrived.WaitAsync(TimeSpan.FromSeconds(10)), "No wake-up arrived.");
            Assert.True(Received.TryDequeue(out var next));
            return next;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            await _connection.DisposeAsync();
            _stop.Dispose();
            _arrived.Dispose();
        }
    }
}
