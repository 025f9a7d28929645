using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Notify.Outbox.Writing;

/// <summary>
/// Writes accepted notifications with group commit: requests that arrive while a
/// transaction is in flight are gathered into the next one, so a commit (a WAL flush, the
/// expensive part) is shared by every request in it, and each caller is answered only
/// after its rows are committed. A request is never split across transactions. Each writer
/// keeps its own connection rather than renting one from the pool per group: a rented
/// connection costs a reset on its return (seven statements), and the writers use one for
/// every group anyway. Workers are woken after commits by <see cref="OutboxWakeUps"/>.
/// </summary>
public sealed partial class OutboxWriter : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<OutboxWriter> _logger;
    private readonly OutboxWriterOptions _options;
    private readonly Channel<PendingWrite> _queue;
    private readonly Task[] _writers;
    private readonly OutboxWakeUps _wakeUps;

    public OutboxWriter(NpgsqlDataSource dataSource, IOptions<OutboxWriterOptions> options, ILogger<OutboxWriter> logger)
    {
        _dataSource = dataSource;
        _logger = logger;
        _options = options.Value;
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
            SingleReader = _options.Writers == 1,
        });
        _wakeUps = new OutboxWakeUps(dataSource, _options.WakeUpInterval, logger);
        _writers = new Task[_options.Writers];
        for (var i = 0; i < _writers.Length; i++)
        {
            _writers[i] = Task.Run(RunWriterAsync);
        }
    }

    /// <summary>
    /// Writes the notifications in one transaction and returns one outcome per notification,
    /// in order. Throws <see cref="NpgsqlException"/> when the database cannot be reached or
    /// the commit's outcome is unknown; the caller may retry with the same idempotency keys.
    /// </summary>
    public async Task<IReadOnlyList<WriteOutcome>> WriteAsync(IReadOnlyList<NewNotification> notifications, CancellationToken cancellationToken)
    {
        if (notifications.Count == 0)
        {
            return [];
        }
        var pending = new PendingWrite(notifications);
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task RunWriterAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingWrite>();
        await using var connection = new HeldConnection(_dataSource);
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            var deliveries = 0;
            while (deliveries < _options.MaxDeliveriesPerTransaction && reader.TryRead(out var pending))
            {
                group.Add(pending);
                deliveries += pending.DeliveryCount;
            }
            if (group.Count > 0)
            {
                await WriteGroupAsync(connection, group);
            }
        }
    }

    private async Task WriteGroupAsync(HeldConnection connection, List<PendingWrite> group)
    {
        var notifications = group.Count == 1 ? group[0].Notifications : group.SelectMany(p => p.Notifications).ToList();
        try
        {
            var started = Stopwatch.GetTimestamp();
            var outcomes = await OutboxBatchStatement.ExecuteAsync(await connection.OpenAsync(), notifications, CancellationToken.None);
            OutboxWriterMetrics.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            OutboxWriterMetrics.GroupSize.Record(notifications.Count);
            _wakeUps.Committed(outcomes);
            Distribute(group, outcomes);
        }
        catch (PostgresException ex) when (!ex.IsTransient && notifications.Count > 1)
        {
            // One notification's data was refused and took the whole transaction with it.
            // Write them one by one so only the culprit fails.
            LogIsolating(_logger, notifications.Count, ex.SqlState);
            foreach (var pending in group)
            {
                await WriteIsolatedAsync(connection, pending);
            }
        }
        catch (PostgresException ex) when (!ex.IsTransient)
        {
            LogRejected(_logger, ex.SqlState);
            group[0].Completion.TrySetResult([new Rejected(DescribeRejection(ex))]);
        }
        catch (Exception ex)
        {
            foreach (var pending in group)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    private async Task WriteIsolatedAsync(HeldConnection connection, PendingWrite pending)
    {
        var outcomes = new WriteOutcome[pending.Notifications.Count];
        try
        {
            for (var i = 0; i < outcomes.Length; i++)
            {
                try
                {
                    outcomes[i] = (await OutboxBatchStatement.ExecuteAsync(await connection.OpenAsync(), [pending.Notifications[i]], CancellationToken.None))[0];
                    _wakeUps.Committed([outcomes[i]]);
                }
                catch (PostgresException ex) when (!ex.IsTransient)
                {
                    LogRejected(_logger, ex.SqlState);
                    outcomes[i] = new Rejected(DescribeRejection(ex));
                }
            }
            pending.Completion.TrySetResult(outcomes);
        }
        catch (Exception ex)
        {
            pending.Completion.TrySetException(ex);
        }
    }

    private static void Distribute(List<PendingWrite> group, IReadOnlyList<WriteOutcome> outcomes)
    {
        if (group.Count == 1)
        {
            group[0].Completion.TrySetResult(outcomes);
            return;
        }
        var offset = 0;
        foreach (var pending in group)
        {
            var count = pending.Notifications.Count;
            var slice = new WriteOutcome[count];
            for (var i = 0; i < count; i++)
            {
                slice[i] = outcomes[offset + i];
            }
            offset += count;
            pending.Completion.TrySetResult(slice);
        }
    }

    // The SQLSTATE names the rule that was broken; the message could quote the data.
    private static string DescribeRejection(PostgresException ex) => $"The database refused the data (SQLSTATE {ex.SqlState}).";

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers).WaitAsync(TimeSpan.FromSeconds(30));
        await _wakeUps.DisposeAsync();
    }

    private sealed class PendingWrite(IReadOnlyList<NewNotification> notifications)
    {
        public IReadOnlyList<NewNotification> Notifications { get; } = notifications;

        public int DeliveryCount { get; } = notifications.Sum(n => n.Deliveries.Count);

        public TaskCompletionSource<IReadOnlyList<WriteOutcome>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "A group of {Count} notifications was refused by the database (SQLSTATE {SqlState}); writing them one by one")]
    private static partial void LogIsolating(ILogger logger, int count, string sqlState);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "A notification was refused by the database (SQLSTATE {SqlState}); nothing of it was written")]
    private static partial void LogRejected(ILogger logger, string sqlState);
}
