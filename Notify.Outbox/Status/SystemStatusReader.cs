using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Outbox.Controls;
using Notify.Outbox.Reading;
using Npgsql;

namespace Notify.Outbox.Status;

/// <summary>
/// What <c>notifyctl status</c> and the admin API's GetStatus show: for each of the five
/// channels, idle ones included, the queue (<see cref="QueueStatistics"/>: waiting, in flight,
/// dead, the oldest claimable age), the controls (<see cref="ChannelControlStore"/>) and the
/// workers whose heartbeat (<c>notify.workers</c>) is at most
/// <see cref="SystemStatusOptions.WorkerWindow"/> old, with their circuits and the pauses they honour.
/// </summary>
/// <remarks>
/// One round trip per concern, not per channel, and the three run at once: the queue statements
/// as one batch, every control in one statement, the workers in one statement that also deletes
/// rows silent for <see cref="SystemStatusOptions.ForgetWorkersAfter"/> (killed processes never
/// delete their own; nobody else reads the table often enough to need a cleaner of its own).
/// </remarks>
public sealed class SystemStatusReader(
    NpgsqlDataSource dataSource, QueueStatistics queues, ChannelControlStore controls, IOptions<SystemStatusOptions> options)
{
    // The data-modifying CTE runs whether or not the query refers to it; the SELECT sees the
    // table as it was before the delete, but a row old enough to delete is outside the window
    // (the options insist). The LEFT JOIN from one row keeps the clock reading when no worker
    // is alive.
    private const string WorkersSql = """
        WITH forgotten AS (
            DELETE FROM notify.workers WHERE seen_at < now() - $2::interval
        )
        SELECT now(), w.worker_id, w.channel, w.host, w.pid, w.started_at, w.seen_at, w.circuits::text, w.paused, w.claiming
        FROM (VALUES (1)) AS one (x)
        LEFT JOIN notify.workers w ON w.seen_at >= now() - $1::interval
        ORDER BY w.channel, w.started_at, w.worker_id
        """;

    private readonly SystemStatusOptions _options = options.Value;

    public Task<SystemStatusSnapshot> ReadAsync(CancellationToken cancellationToken) => ReadAsync(null, cancellationToken);

    /// <summary>
    /// The status with the queue counts of <paramref name="tenantId"/>'s deliveries only, when given
    /// (an admin token limited to one tenant); controls and workers are the system's, shared by every tenant.
    /// </summary>
    public async Task<SystemStatusSnapshot> ReadAsync(Guid? tenantId, CancellationToken cancellationToken)
    {
        var queueReading = queues.ReadAllAsync(tenantId, cancellationToken);
        var controlReading = controls.GetAllAsync(cancellationToken);
        var workerReading = ReadWorkersAsync(cancellationToken);
        await Task.WhenAll(queueReading, controlReading, workerReading);

        var (observedAt, workers) = await workerReading;
        var allControls = await controlReading;
        var channels = (await queueReading)
            .Select(queue => new ChannelStatusSnapshot(
                queue.Channel,
                queue,
                [.. allControls.Where(c => c.Channel == queue.Channel)],
                [.. workers.Where(w => w.Channel == queue.Channel)]))
            .ToList();
        return new SystemStatusSnapshot(observedAt, channels);
    }

    private async Task<(DateTime ObservedAt, IReadOnlyList<WorkerSnapshot> Workers)> ReadWorkersAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(WorkersSql);
        command.Parameters.Add(new() { Value = _options.WorkerWindow });
        command.Parameters.Add(new() { Value = _options.ForgetWorkersAfter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var observedAt = default(DateTime);
        var workers = new List<WorkerSnapshot>();
        while (await reader.ReadAsync(cancellationToken))
        {
            observedAt = reader.GetDateTime(0);
            if (reader.IsDBNull(1))
            {
                continue;
            }
            var channel = reader.GetString(2);
            workers.Add(new WorkerSnapshot(
                reader.GetString(1), channel, reader.GetString(3), reader.GetInt32(4), reader.GetDateTime(5), reader.GetDateTime(6),
                Circuits(channel, reader.GetString(7)), reader.GetFieldValue<string[]>(8), reader.GetBoolean(9)));
        }
        return (observedAt, workers);
    }

    /// <summary>
    /// The heartbeat's circuits object (jsonb keeps no key order) in the channel's failover order;
    /// a provider this build does not know (a newer worker's) comes last.
    /// </summary>
    private static IReadOnlyList<CircuitReading> Circuits(string channel, string json)
    {
        var order = ProviderNames.For(channel);
        int Rank(string provider)
        {
            for (var i = 0; i < order.Count; i++)
            {
                if (order[i] == provider)
                {
                    return i;
                }
            }
            return int.MaxValue;
        }
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateObject()
            .Select(p => new CircuitReading(p.Name, p.Value.GetString() ?? ""))
            .OrderBy(c => Rank(c.Provider))
            .ThenBy(c => c.Provider, StringComparer.Ordinal)];
    }
}
