using Npgsql;

namespace Notify.Cli.Drill;

/// <summary>Deliveries of the drill by channel and status.</summary>
public sealed record StatusCount(string Channel, string Status, long Count);

/// <summary>One worker's part: claims made (calls recorded in delivery_attempts) and deliveries it sent.</summary>
public sealed record WorkerCount(string Worker, string Channel, long Claims, long Sent);

/// <summary>A delivery a killed worker held: SENDING under its lease when it died.</summary>
public sealed record HeldDelivery(Guid Id, string Channel, long LeaseToken, DateTime LockExpiresAt);

/// <summary>Where a held delivery stands now.</summary>
public sealed record HeldState(Guid Id, string Status, string? LockedBy, long LeaseToken, string? LastErrorCode, DateTime UpdatedAt, DateTime NextAttemptAt);

/// <summary>Receipts (provider webhooks) received during the drill, and how many were refused and why.</summary>
public sealed record ReceiptCounts(long Total, long Refused, long StaleTimestamp, long BadSignature);

/// <summary>
/// The drill's reads of the database, like the runbook's psql queries but limited to this
/// run's deliveries (their ids, from the SendBatch answers). Read-only: the drill changes
/// nothing in the database.
/// </summary>
public sealed class DrillDatabase(NpgsqlDataSource dataSource)
{
    /// <summary>The provider of a delivery sent by a replica that died before recording it (see <see cref="AcceptedByProviderAsync"/>).</summary>
    public const string Unrecorded = "unrecorded";

    // Naming the channels lets PostgreSQL read only their partitions.
    private const string DrillRows = "channel IN ('email', 'whatsapp') AND id = ANY(@ids)";

    public async Task<IReadOnlyList<StatusCount>> StatusCountsAsync(Guid[] ids, CancellationToken cancellationToken) =>
        await ReadAsync($"SELECT channel, status, count(*) FROM notify.deliveries WHERE {DrillRows} GROUP BY 1, 2", ids,
            r => new StatusCount(r.GetString(0), r.GetString(1), r.GetInt64(2)), cancellationToken);

    /// <summary>
    /// Which provider took each channel's sent and delivered messages (email fails over from
    /// SendGrid to SMTP, which sends no receipts: those stay SENT). <see cref="Unrecorded"/>: a
    /// killed replica's send that reached the provider but whose completion died with it; the
    /// provider's receipt moved the delivery on (so it was not sent again).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>> AcceptedByProviderAsync(Guid[] ids, CancellationToken cancellationToken) =>
        (await ReadAsync($"SELECT channel, coalesce(provider, @unrecorded), count(*) FROM notify.deliveries WHERE {DrillRows} AND status IN ('SENT', 'DELIVERED') GROUP BY 1, 2",
            ids, r => (Channel: r.GetString(0), Provider: r.GetString(1), Count: r.GetInt64(2)), cancellationToken,
            command => command.Parameters.AddWithValue("unrecorded", Unrecorded)))
        .GroupBy(r => r.Channel)
        .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, long>)g.ToDictionary(r => r.Provider, r => r.Count, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Deliveries SENDING right now, by the worker holding them.</summary>
    public async Task<IReadOnlyDictionary<string, long>> InFlightAsync(Guid[] ids, CancellationToken cancellationToken) =>
        (await ReadAsync($"SELECT locked_by, count(*) FROM notify.deliveries WHERE {DrillRows} AND status = 'SENDING' AND locked_by IS NOT NULL GROUP BY 1", ids,
            r => (Worker: r.GetString(0), Count: r.GetInt64(1)), cancellationToken)).ToDictionary(w => w.Worker, w => w.Count, StringComparer.Ordinal);

    /// <summary>
    /// Per worker: claims that made a provider call (one delivery_attempts row per claim and
    /// provider, so a failover counts once) and deliveries it brought to SENT. The runbook reads
    /// <c>locked_by</c>, which a completion clears; the attempts keep who did the work.
    /// </summary>
    public async Task<IReadOnlyList<WorkerCount>> WorkersAsync(Guid[] ids, CancellationToken cancellationToken) =>
        await ReadAsync("""
            SELECT worker_id, channel, count(DISTINCT (delivery_id, lease_token)), count(*) FILTER (WHERE outcome = 'sent')
            FROM notify.delivery_attempts
            WHERE delivery_id = ANY(@ids)
            GROUP BY 1, 2 ORDER BY 2, 1
            """, ids, r => new WorkerCount(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken);

    /// <summary>What <paramref name="worker"/> held when it died: its SENDING rows.</summary>
    public async Task<IReadOnlyList<HeldDelivery>> HeldByAsync(Guid[] ids, string worker, CancellationToken cancellationToken) =>
        await ReadAsync($"SELECT id, channel, lease_token, lock_expires_at FROM notify.deliveries WHERE {DrillRows} AND status = 'SENDING' AND locked_by = @worker",
            ids, r => new HeldDelivery(r.GetGuid(0), r.GetString(1), r.GetInt64(2), r.GetDateTime(3)), cancellationToken,
            command => command.Parameters.AddWithValue("worker", worker));

    public async Task<IReadOnlyList<HeldState>> HeldStatesAsync(Guid[] heldIds, CancellationToken cancellationToken) =>
        await ReadAsync($"SELECT id, status, locked_by, lease_token, last_error_code, updated_at, next_attempt_at FROM notify.deliveries WHERE {DrillRows}",
            heldIds, r => new HeldState(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.GetDateTime(5), r.GetDateTime(6)), cancellationToken);

    /// <summary>The runbook's double-send check: provider message ids shared by more than one delivery.</summary>
    public async Task<long> SharedProviderMessageIdsAsync(Guid[] ids, CancellationToken cancellationToken) =>
        (await ReadAsync($"""
            SELECT count(*) FROM (
                SELECT provider_message_id FROM notify.deliveries
                WHERE {DrillRows} AND provider_message_id IS NOT NULL
                GROUP BY provider_message_id HAVING count(*) > 1) shared
            """, ids, r => r.GetInt64(0), cancellationToken))[0];

    /// <summary>The runbook's stuck check: SENDING whose lease has run out.</summary>
    public async Task<long> StuckSendingAsync(Guid[] ids, CancellationToken cancellationToken) =>
        (await ReadAsync($"SELECT count(*) FROM notify.deliveries WHERE {DrillRows} AND status = 'SENDING' AND lock_expires_at < now()",
            ids, r => r.GetInt64(0), cancellationToken))[0];

    /// <summary>
    /// Receipts the email and WhatsApp processes received since the drill started, and the
    /// refused ones by reason (the runbook's webhook rejection stats; refused rows carry no
    /// delivery id, so this counts by time, as the runbook does).
    /// </summary>
    public async Task<ReceiptCounts> ReceiptsSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE outcome = 'refused'),
                   count(*) FILTER (WHERE outcome = 'refused' AND refusal_reason = 'stale_timestamp'),
                   count(*) FILTER (WHERE outcome = 'refused' AND refusal_reason = 'bad_signature')
            FROM notify.receipt_events
            WHERE channel IN ('email', 'whatsapp') AND received_at >= @since
            """);
        command.Parameters.AddWithValue("since", since.UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ReceiptCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    private async Task<List<T>> ReadAsync<T>(string sql, Guid[] ids, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken,
        Action<NpgsqlCommand>? configure = null)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("ids", ids);
        configure?.Invoke(command);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }
        return rows;
    }
}
