using Notify.Outbox.Tenants;
using Npgsql;

namespace Notify.Outbox.Reading;

/// <summary>
/// Reads and cancels one tenant's notifications. Every query is scoped by tenant, and runs in the
/// tenant's <see cref="TenantScope"/> (row-level security) as well.
/// </summary>
public sealed class NotificationReader(NpgsqlDataSource dataSource)
{
    private const string NotificationSql = """
        SELECT id, idempotency_key, priority, correlation_id, metadata::text, template_id, locale,
               created_at, send_at, expires_at
        FROM notify.notifications
        WHERE id = @id AND tenant_id = @tenant
        """;

    private const string DeliveriesSql = """
        SELECT id, channel, recipient, status, attempt_count, max_attempts, next_attempt_at, provider,
               provider_message_id, last_error_code, last_error_message, skip_reason, created_at, updated_at,
               sent_at, delivered_at, template_version
        FROM notify.deliveries
        WHERE id BETWEEN @id AND @last AND notification_id = @id AND tenant_id = @tenant
        ORDER BY id
        """;

    private const string AttemptsSql = """
        SELECT a.delivery_id, a.attempt_number, a.provider, a.outcome, a.http_status, a.error_code,
               a.error_message, a.provider_message_id, a.started_at, a.duration_ms
        FROM notify.delivery_attempts a
        JOIN notify.deliveries d ON d.id = a.delivery_id AND d.channel = a.channel
        WHERE d.id BETWEEN @id AND @last AND d.notification_id = @id AND d.tenant_id = @tenant
        ORDER BY a.delivery_id, a.started_at, a.lease_token
        """;

    // The receipts' index on delivery_id serves the notification's delivery-id range.
    private const string ReceiptsSql = """
        SELECT r.delivery_id, r.provider, r.event_type, r.outcome, r.error_code, r.occurred_at, r.received_at
        FROM notify.receipt_events r
        JOIN notify.deliveries d ON d.id = r.delivery_id
        WHERE r.delivery_id BETWEEN @id AND @last AND d.notification_id = @id AND d.tenant_id = @tenant
        ORDER BY r.delivery_id, r.received_at, r.id
        """;

    // Only deliveries no worker has claimed can be cancelled. A claim holds the row lock, so
    // a delivery being claimed concurrently is re-checked after the claim and left alone.
    private const string CancelSql = """
        UPDATE notify.deliveries
        SET status = 'CANCELLED', updated_at = now()
        WHERE id BETWEEN @id AND @last AND notification_id = @id AND tenant_id = @tenant
          AND status IN ('PENDING', 'RETRYING')
        """;

    public async Task<NotificationView?> GetAsync(Guid tenantId, Guid notificationId, CancellationToken cancellationToken)
    {
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, ReadCommands(tenantId, notificationId));
        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        return await ReadAsync(reader, cancellationToken);
    }

    /// <summary>Cancels what can be cancelled; null when the notification is not the tenant's.</summary>
    /// <remarks>One round trip: the cancel and the reads of the result are one batch (one implicit transaction).</remarks>
    public async Task<(int Cancelled, NotificationView View)?> CancelAsync(Guid tenantId, Guid notificationId, CancellationToken cancellationToken)
    {
        var cancel = Command(CancelSql, tenantId, notificationId);
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, [cancel, .. ReadCommands(tenantId, notificationId)]);
        NotificationView? view;
        // The reader passes over the cancel (no result set) to the first read.
        await using (var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken))
        {
            view = await ReadAsync(reader, cancellationToken);
        }
        return view is null ? null : (cancel.RecordsAffected, view);
    }

    private static NpgsqlBatchCommand[] ReadCommands(Guid tenantId, Guid notificationId)
        => [.. new[] { NotificationSql, DeliveriesSql, AttemptsSql, ReceiptsSql }.Select(sql => Command(sql, tenantId, notificationId))];

    private static NpgsqlBatchCommand Command(string sql, Guid tenantId, Guid notificationId)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("id", notificationId);
        command.Parameters.AddWithValue("last", UuidV7.LastDeliveryId(notificationId));
        command.Parameters.AddWithValue("tenant", tenantId);
        return command;
    }

    /// <summary>The notification from the four reads' results, the reader at the first of them.</summary>
    private static async Task<NotificationView?> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var header = (
            Id: reader.GetGuid(0), Key: reader.GetString(1), Priority: reader.GetInt16(2), Correlation: NullableString(reader, 3),
            Metadata: NullableString(reader, 4), Template: NullableString(reader, 5), Locale: NullableString(reader, 6),
            Created: reader.GetDateTime(7), SendAt: NullableDate(reader, 8), ExpiresAt: NullableDate(reader, 9));

        await reader.NextResultAsync(cancellationToken);
        var rows = new List<(Guid Id, Func<IReadOnlyList<AttemptView>, DeliveryView> Make)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            var channel = reader.GetString(1);
            var recipient = reader.GetString(2);
            var status = reader.GetString(3);
            var attemptCount = reader.GetInt32(4);
            var maxAttempts = reader.GetInt32(5);
            var next = reader.GetDateTime(6);
            var provider = NullableString(reader, 7);
            var providerMessageId = NullableString(reader, 8);
            var errorCode = NullableString(reader, 9);
            var errorMessage = NullableString(reader, 10);
            var skipReason = NullableString(reader, 11);
            var created = reader.GetDateTime(12);
            var updated = reader.GetDateTime(13);
            var sent = NullableDate(reader, 14);
            var delivered = NullableDate(reader, 15);
            int? templateVersion = reader.IsDBNull(16) ? null : reader.GetInt32(16);
            rows.Add((id, attempts => new DeliveryView(id, channel, recipient, status, attemptCount, maxAttempts, next, provider,
                providerMessageId, errorCode, errorMessage, skipReason, created, updated, sent, delivered, templateVersion, attempts)));
        }

        await reader.NextResultAsync(cancellationToken);
        var attemptsByDelivery = new Dictionary<Guid, List<AttemptView>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var deliveryId = reader.GetGuid(0);
            if (!attemptsByDelivery.TryGetValue(deliveryId, out var list))
            {
                attemptsByDelivery[deliveryId] = list = [];
            }
            list.Add(new AttemptView(reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), NullableString(reader, 5), NullableString(reader, 6),
                NullableString(reader, 7), reader.GetDateTime(8), reader.GetInt32(9)));
        }

        await reader.NextResultAsync(cancellationToken);
        var receiptsByDelivery = new Dictionary<Guid, List<ReceiptView>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var deliveryId = reader.GetGuid(0);
            if (!receiptsByDelivery.TryGetValue(deliveryId, out var list))
            {
                receiptsByDelivery[deliveryId] = list = [];
            }
            list.Add(new ReceiptView(reader.GetString(1), reader.GetString(2), reader.GetString(3), NullableString(reader, 4),
                NullableDate(reader, 5), reader.GetDateTime(6)));
        }

        var deliveries = rows.Select(r => r.Make(attemptsByDelivery.TryGetValue(r.Id, out var a) ? a : []) with
        {
            Receipts = receiptsByDelivery.TryGetValue(r.Id, out var receipts) ? receipts : [],
        }).ToList();
        return new NotificationView(header.Id, header.Key, header.Priority, header.Correlation, header.Metadata, header.Template,
            header.Locale, header.Created, header.SendAt, header.ExpiresAt, deliveries);
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTime? NullableDate(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDateTime(ordinal);
}
