using Microsoft.Extensions.Logging;
using Npgsql;

namespace Notify.Outbox.Writing;

/// <summary>
/// Wakes the channels' workers (<c>NOTIFY notify_&lt;channel&gt;</c>) after group commits, with one
/// NOTIFY for every commit that lands within <see cref="OutboxWriterOptions.WakeUpInterval"/>.
/// </summary>
/// <remarks>
/// At each commit that carries a NOTIFY, PostgreSQL signals every backend that LISTENs in the
/// database, whatever it listens on: each channel process holds two such connections (wake-ups
/// and channel controls), so a NOTIFY per group commit woke ten backends per commit, and with 60
/// commits per 1,000 unary Sends that was about a tenth of PostgreSQL's CPU. A worker needs one
/// wake-up to claim everything committed before it, so the first commit after a quiet spell
/// wakes it at once, and commits that follow within the interval share the next NOTIFY, sent when
/// the interval ends. The NOTIFY goes after the commit, in a statement of its own: a crash between
/// the two leaves the rows to the workers' poll (<c>PollInterval</c>, 1 s), which is what the poll
/// is for.
/// </remarks>
internal sealed partial class OutboxWakeUps : IAsyncDisposable
{
    private const string Sql = "SELECT pg_notify('notify_' || c, '') FROM unnest(@channels) AS c";

    private readonly HeldConnection _connection;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    // One bit per channel of ChannelNames.All waiting for its NOTIFY.
    private int _waiting;
    private bool _failing;

    public OutboxWakeUps(NpgsqlDataSource dataSource, TimeSpan interval, ILogger logger)
    {
        _connection = new HeldConnection(dataSource);
        _interval = interval;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Says that a group was committed: the workers of each channel it gave new deliveries to
    /// send (not replays, not skipped ones) are woken soon. One atomic update per group.
    /// </summary>
    public void Committed(IReadOnlyList<WriteOutcome> outcomes)
    {
        var bits = 0;
        foreach (var outcome in outcomes)
        {
            if (outcome is Accepted { Replayed: false } accepted)
            {
                foreach (var delivery in accepted.Deliveries)
                {
                    if (delivery.Status == DeliveryStatuses.Pending)
                    {
                        bits |= Bit(delivery.Channel);
                    }
                }
            }
        }
        if (bits != 0 && (Interlocked.Or(ref _waiting, bits) & bits) != bits && _signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit signalled first: one signal is enough.
            }
        }
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token);
                await NotifyWaitingAsync();
                // Commits that land meanwhile wait for the next NOTIFY, sent when the interval ends.
                if (_interval > TimeSpan.Zero)
                {
                    await Task.Delay(_interval, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
        }
        // Stopping: what was committed last is announced now rather than at the workers' next poll.
        await NotifyWaitingAsync();
    }

    private async Task NotifyWaitingAsync()
    {
        var waiting = Interlocked.Exchange(ref _waiting, 0);
        if (waiting == 0)
        {
            return;
        }
        var channels = new List<string>(ChannelNames.All.Count);
        for (var i = 0; i < ChannelNames.All.Count; i++)
        {
            if ((waiting & (1 << i)) != 0)
            {
                channels.Add(ChannelNames.All[i]);
            }
        }
        try
        {
            await using var command = new NpgsqlCommand(Sql, await _connection.OpenAsync());
            command.Parameters.AddWithValue("channels", channels.ToArray());
            await command.ExecuteNonQueryAsync(CancellationToken.None);
            if (_failing)
            {
                _failing = false;
                LogWakingAgain(_logger);
            }
        }
        catch (Exception ex)
        {
            // The rows are committed; the workers' poll finds them. Whatever failed, the loop
            // goes on (the connection is opened again next time if it broke). Said once per
            // outage: the writer's own failures say the rest.
            if (!_failing)
            {
                _failing = true;
                LogWakeUpFailed(_logger, ex.GetType().Name);
            }
        }
    }

    /// <summary>The channel's bit: its place in <see cref="ChannelNames.All"/>.</summary>
    private static int Bit(string channel)
    {
        for (var i = 0; i < ChannelNames.All.Count; i++)
        {
            if (string.Equals(ChannelNames.All[i], channel, StringComparison.Ordinal))
            {
                return 1 << i;
            }
        }
        throw new ArgumentException($"Unknown channel '{channel}'.", nameof(channel));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await _connection.DisposeAsync();
        _stop.Dispose();
        _signal.Dispose();
    }

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning,
        Message = "Could not wake the channels' workers after a commit ({Error}); they find the rows at their next poll")]
    private static partial void LogWakeUpFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Waking the channels' workers again after commits")]
    private static partial void LogWakingAgain(ILogger logger);
}
