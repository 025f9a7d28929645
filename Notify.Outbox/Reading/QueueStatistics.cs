using System.Collections.Concurrent;
using Npgsql;

namespace Notify.Outbox.Reading;

/// <summary>
/// How one channel's outbox stands: deliveries waiting (PENDING, RETRYING), in flight
/// (SENDING) and dead-lettered (DEAD), and how long the oldest due delivery has waited. Read
/// by each channel process every few seconds for its gauges and its detailed health view.
/// </summary>
/// <remarks>
/// One statement, three parts, each matching a partial index's predicate exactly
/// (<c>deliveries_claimable_idx</c>, <c>deliveries_leased_idx</c>, <c>deliveries_dead_idx</c>),
/// so its cost follows the backlog and the dead letters, never the finished history that
/// fills most of the partition. Final statuses (SENT, DELIVERED…) are not counted here: the
/// workers' counters (<c>notify.delivery.finished</c>) already say how many reached them.
/// Ages are computed with the database's clock, the one <c>next_attempt_at</c> was set by.
/// </remarks>
public sealed class QueueStatistics(NpgsqlDataSource dataSource)
{
    private static readonly ConcurrentDictionary<(string Channel, bool OneTenant), string> Statements = new();

    private const string Sql = """
        SELECT status, count(*), extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now()))::float8
        FROM notify.deliveries
        WHERE channel = @channel AND status IN ('PENDING', 'RETRYING')
        GROUP BY status
        UNION ALL
        SELECT 'SENDING', count(*), NULL
        FROM notify.deliveries
        WHERE channel = @channel AND status = 'SENDING'
        UNION ALL
        SELECT 'DEAD', count(*), NULL
        FROM notify.deliveries
        WHERE channel = @channel AND status = 'DEAD'
        """;

    /// <summary>Reads the queue of <paramref name="channel"/> (one of <see cref="ChannelNames.All"/>).</summary>
    public async Task<QueueSnapshot> ReadAsync(string channel, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Statement(channel, oneTenant: false));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadSnapshotAsync(reader, channel, cancellationToken);
    }

    /// <summary>
    /// Reads every channel's queue, in <see cref="ChannelNames.All"/> order, in one round trip:
    /// a batch of the per-channel statements, so each keeps its own partition and plan.
    /// </summary>
    public Task<IReadOnlyList<QueueSnapshot>> ReadAllAsync(CancellationToken cancellationToken) => ReadAllAsync(null, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAllAsync(CancellationToken)"/>, counting only <paramref name="tenantId"/>'s
    /// deliveries when given (an admin token limited to one tenant).
    /// </summary>
    public async Task<IReadOnlyList<QueueSnapshot>> ReadAllAsync(Guid? tenantId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var channel in ChannelNames.All)
        {
            var command = new NpgsqlBatchCommand(Statement(channel, oneTenant: tenantId is not null));
            if (tenantId is { } tenant)
            {
                command.Parameters.AddWithValue("tenant", tenant);
            }
            batch.BatchCommands.Add(command);
        }
        var snapshots = new List<QueueSnapshot>(ChannelNames.All.Count);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        foreach (var channel in ChannelNames.All)
        {
            if (snapshots.Count > 0)
            {
                await reader.NextResultAsync(cancellationToken);
            }
            snapshots.Add(await ReadSnapshotAsync(reader, channel, cancellationToken));
        }
        return snapshots;
    }

    /// <summary>Reads the rows of one channel's statement (the reader positioned on its result).</summary>
    private static async Task<QueueSnapshot> ReadSnapshotAsync(NpgsqlDataReader reader, string channel, CancellationToken cancellationToken)
    {
        long pending = 0, retrying = 0, sending = 0, dead = 0;
        double oldest = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var count = reader.GetInt64(1);
            switch (reader.GetString(0))
            {
                case DeliveryStatuses.Pending: pending = count; break;
                case DeliveryStatuses.Retrying: retrying = count; break;
                case DeliveryStatuses.Sending: sending = count; break;
                case DeliveryStatuses.Dead: dead = count; break;
            }
            if (!reader.IsDBNull(2))
            {
                oldest = Math.Max(oldest, reader.GetDouble(2));
            }
        }
        return new QueueSnapshot(channel, pending, retrying, sending, dead, TimeSpan.FromSeconds(oldest), DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// The statement with the channel written in as a literal, so PostgreSQL prunes to the
    /// channel's partition when it plans. Only known channel names reach the SQL text.
    /// </summary>
    private static string Statement(string channel, bool oneTenant)
    {
        if (!ChannelNames.All.Contains(channel))
        {
            throw new ArgumentException($"Unknown channel '{channel}'.", nameof(channel));
        }
        // One tenant's counts: the same partial indexes, their rows filtered by tenant.
        return Statements.GetOrAdd((channel, oneTenant), static key => Sql.Replace("@channel",
            "'" + key.Channel + "'" + (key.OneTenant ? " AND tenant_id = @tenant" : ""), StringComparison.Ordinal));
    }
}

/// <summary>One reading of a channel's outbox (see <see cref="QueueStatistics"/>).</summary>
/// <param name="OldestClaimableAge">
/// How long the oldest due PENDING or RETRYING delivery has been due (since its
/// <c>next_attempt_at</c>: creation, <c>send_at</c>, or its retry time): the outbox lag. Zero
/// when nothing is due. Deliveries scheduled for later count in the depth but not here.
/// </param>
public sealed record QueueSnapshot(
    string Channel, long Pending, long Retrying, long Sending, long Dead, TimeSpan OldestClaimableAge, DateTimeOffset ObservedAt);
