using Notify.Outbox;
using Notify.Outbox.Retention;
using Npgsql;

namespace Notify.Tests.Retention;

/// <summary>
/// Writes history as it would look after the fact: a notification accepted at a given time
/// (its UUIDv7 ids and created_at both carry that time) with deliveries in given statuses, one
/// attempt and one receipt each; and counts what is left of it, live or archived.
/// </summary>
internal sealed class RetentionHistory(NpgsqlDataSource dataSource)
{
    public const string Live = "notify";
    public const string Archive = "notify_archive";

    private static readonly string[] Channels = [ChannelNames.Email, ChannelNames.Sms, ChannelNames.Push];

    public async Task<Guid> SeedAsync(TimeSpan age, params string[] statuses)
    {
        var at = DateTimeOffset.UtcNow - age;
        var id = NotificationId(at);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("""
            INSERT INTO notify.notifications (id, tenant_id, idempotency_key, request_hash, content, priority, created_at)
            VALUES (@id, @tenant, @key, '\x01', '\x0a05', 0, @at)
            """, ("id", id), ("tenant", Tenant), ("key", Guid.NewGuid().ToString()), ("at", at)));
        for (var i = 0; i < statuses.Length; i++)
        {
            var deliveryId = UuidV7.DeliveryId(id, i);
            batch.BatchCommands.Add(Command("""
                INSERT INTO notify.deliveries (id, notification_id, tenant_id, channel, recipient, status, priority, attempt_count,
                                               max_attempts, next_attempt_at, created_at, updated_at)
                VALUES (@id, @notification, @tenant, @channel, @recipient, @status, 0, 1, 4, @at, @at, @at)
                """, ("id", deliveryId), ("notification", id), ("tenant", Tenant), ("channel", Channels[i % Channels.Length]),
                ("recipient", $"user{i}@example.com"), ("status", statuses[i]), ("at", at)));
            batch.BatchCommands.Add(Command("""
                INSERT INTO notify.delivery_attempts (delivery_id, lease_token, attempt_number, tenant_id, channel, worker_id, provider,
                                                      started_at, duration_ms, outcome)
                VALUES (@id, 1, 1, @tenant, @channel, 'worker-1', 'sandbox', @at, 12, 'sent')
                """, ("id", deliveryId), ("tenant", Tenant), ("channel", Channels[i % Channels.Length]), ("at", at)));
            batch.BatchCommands.Add(ReceiptCommand(at.AddSeconds(1), deliveryId, "applied"));
        }
        await batch.ExecuteNonQueryAsync();
        return id;
    }

    /// <summary>A receipt received at <c>now - age</c>: refused (no delivery) unless <paramref name="deliveryId"/> is given.</summary>
    public async Task<Guid> SeedReceiptAsync(TimeSpan age, Guid? deliveryId, string outcome)
    {
        await using var batch = dataSource.CreateBatch();
        var command = ReceiptCommand(DateTimeOffset.UtcNow - age, deliveryId, outcome);
        batch.BatchCommands.Add(command);
        await batch.ExecuteNonQueryAsync();
        return (Guid)command.Parameters["id"].Value!;
    }

    /// <summary>What is left of a notification in <paramref name="schema"/> (<see cref="Live"/> or <see cref="Archive"/>).</summary>
    public async Task<TableCounts> CountAsync(string schema, Guid notificationId)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT (SELECT count(*) FROM {schema}.notifications WHERE id = @id),
                   (SELECT count(*) FROM {schema}.deliveries WHERE id BETWEEN @id AND @last),
                   (SELECT count(*) FROM {schema}.delivery_attempts WHERE delivery_id BETWEEN @id AND @last),
                   (SELECT count(*) FROM {schema}.receipt_events WHERE delivery_id BETWEEN @id AND @last)
            """);
        command.Parameters.AddWithValue("id", notificationId);
        command.Parameters.AddWithValue("last", UuidV7.LastDeliveryId(notificationId));
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new TableCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>How many rows with this receipt id <paramref name="schema"/>'s receipt_events holds.</summary>
    public async Task<long> ReceiptCountAsync(string schema, Guid receiptId)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {schema}.receipt_events WHERE id = @id");
        command.Parameters.AddWithValue("id", receiptId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<T> ScalarAsync<T>(string sql, Guid id)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        if (sql.Contains("@last", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("last", UuidV7.LastDeliveryId(id));
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private Guid Tenant { get; } = Guid.NewGuid();

    private static Guid NotificationId(DateTimeOffset at)
    {
        var bytes = UuidV7.ForTime(at).ToByteArray(bigEndian: true);
        bytes[15] = 0;
        return new Guid(bytes, bigEndian: true);
    }

    private static NpgsqlBatchCommand ReceiptCommand(DateTimeOffset at, Guid? deliveryId, string outcome) => Command("""
        INSERT INTO notify.receipt_events (id, channel, provider, event_id, delivery_id, outcome, received_at)
        VALUES (@id, 'email', 'sandbox', @event_id, @delivery_id, @outcome, @at)
        """, ("id", UuidV7.ForTime(at)), ("event_id", outcome == "refused" ? DBNull.Value : Guid.NewGuid().ToString()),
        ("delivery_id", deliveryId is { } d ? d : DBNull.Value), ("outcome", outcome), ("at", at));

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(value is DBNull
                ? new NpgsqlParameter(name, name == "delivery_id" ? NpgsqlTypes.NpgsqlDbType.Uuid : NpgsqlTypes.NpgsqlDbType.Text) { Value = DBNull.Value }
                : new NpgsqlParameter(name, value));
        }
        return command;
    }
}
