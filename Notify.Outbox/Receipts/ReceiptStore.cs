using Npgsql;
using NpgsqlTypes;

namespace Notify.Outbox.Receipts;

/// <summary>
/// Stores provider receipts in <c>receipt_events</c> and applies them to their deliveries, in
/// one transaction per receipt request: an event already seen is reported as a duplicate and
/// changes nothing, and a delivery moves only forward (<see cref="ReceiptTransitions"/>).
/// An event changes only the delivery it belongs to: the delivery it names must also have the
/// provider message id it carries (<see cref="ReceiptMessageIds"/>), else it is stored as a
/// <c>message_mismatch</c> and changes nothing. Refused requests are stored with their reason and nothing else.
/// </summary>
/// <remarks>
/// Three round trips whatever the number of events: read (already-seen event ids, and the
/// deliveries they name, locked), then write (deliveries, suppressions, events) as one batch,
/// then commit. The deliveries are locked so two copies of one receipt racing on two replicas
/// apply once: the second reads the status the first wrote and records itself as stale.
/// </remarks>
public sealed class ReceiptStore(NpgsqlDataSource dataSource)
{
    private const string SeenSql = """
        SELECT event_id FROM notify.receipt_events WHERE provider = @provider AND event_id = ANY(@event_ids)
        """;

    private const string DeliveriesSql = """
        SELECT d.id, d.status, n.traceparent, d.provider_message_id
        FROM notify.deliveries d
        LEFT JOIN notify.notifications n ON n.id = d.notification_id
        WHERE d.channel = @channel AND d.id = ANY(@ids)
        FOR UPDATE OF d
        """;

    private const string UpdateDeliveriesSql = """
        UPDATE notify.deliveries d
        SET status = u.status,
            sent_at = CASE WHEN u.status IN ('SENT', 'DELIVERED') THEN coalesce(d.sent_at, u.at) ELSE d.sent_at END,
            delivered_at = CASE WHEN u.status = 'DELIVERED' THEN u.at ELSE d.delivered_at END,
            last_error_code = CASE WHEN u.status = 'FAILED' THEN u.error_code ELSE d.last_error_code END,
            last_error_message = CASE WHEN u.status = 'FAILED' THEN u.error_message ELSE d.last_error_message END,
            provider_message_id = coalesce(d.provider_message_id, u.provider_message_id),
            updated_at = now()
        FROM unnest(@ids, @statuses, @at, @error_codes, @error_messages, @provider_message_ids)
            AS u(id, status, at, error_code, error_message, provider_message_id)
        WHERE d.channel = @channel AND d.id = u.id
        """;

    // Source 'receipt': the provider told us, as opposed to an operator ('api') or a
    // synchronous provider answer ('provider'). An existing entry keeps its first reason.
    private const string SuppressSql = """
        INSERT INTO notify.suppressions (tenant_id, channel, address, reason, source)
        SELECT d.tenant_id, d.channel, d.recipient, s.reason, 'receipt'
        FROM unnest(@ids, @reasons) AS s(id, reason)
        JOIN notify.deliveries d ON d.channel = @channel AND d.id = s.id
        ON CONFLICT (tenant_id, channel, address) DO NOTHING
        """;

    private const string InsertEventsSql = """
        INSERT INTO notify.receipt_events
            (id, channel, provider, event_id, event_type, kind, delivery_id, provider_message_id, error_code, error_message,
             suppress_reason, occurred_at, outcome, status_after, processed_at)
        SELECT e.id, @channel, @provider, e.event_id, e.event_type, e.kind, e.delivery_id, e.provider_message_id, e.error_code,
               e.error_message, e.suppress_reason, e.occurred_at, e.outcome, e.status_after,
               CASE WHEN e.outcome = 'waiting' THEN NULL ELSE now() END
        FROM unnest(@ids, @event_ids, @event_types, @kinds, @delivery_ids, @provider_message_ids, @error_codes, @error_messages,
                    @suppress_reasons, @occurred_at, @outcomes, @statuses_after)
            AS e(id, event_id, event_type, kind, delivery_id, provider_message_id, error_code, error_message, suppress_reason,
                 occurred_at, outcome, status_after)
        ON CONFLICT (provider, event_id) WHERE event_id IS NOT NULL DO NOTHING
        """;

    private const string RefuseSql = """
        INSERT INTO notify.receipt_events (id, channel, provider, outcome, refusal_reason)
        VALUES (@id, @channel, @provider, 'refused', @reason)
        """;

    private const string WaitingSql = """
        SELECT id, provider, event_id, event_type, kind, delivery_id, provider_message_id, error_code, error_message, occurred_at,
               suppress_reason
        FROM notify.receipt_events
        WHERE channel = @channel AND outcome = 'waiting'
        ORDER BY received_at
        LIMIT @limit
        FOR UPDATE SKIP LOCKED
        """;

    private const string SettleWaitingSql = """
        UPDATE notify.receipt_events r
        SET outcome = u.outcome, status_after = u.status_after, processed_at = now()
        FROM unnest(@ids, @outcomes, @statuses_after) AS u(id, outcome, status_after)
        WHERE r.id = u.id
        """;

    /// <summary>
    /// Records the events of one verified receipt request and applies them. Returns one result
    /// per event, in order; duplicates (an event id already stored) change nothing.
    /// </summary>
    public async Task<IReadOnlyList<ReceiptResult>> RecordAsync(
        string channel, string provider, IReadOnlyList<ReceiptEvent> events, CancellationToken cancellationToken)
    {
        ChannelNames.Require(channel);
        if (events.Count == 0)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var eventIds = events.Select(e => e.EventId).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (eventIds.Length > 0)
        {
            await using var command = new NpgsqlCommand(SeenSql, connection, transaction);
            command.Parameters.AddWithValue("provider", provider);
            command.Parameters.AddWithValue("event_ids", eventIds);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                seen.Add(reader.GetString(0));
            }
        }

        // Within one request too, a repeated event id counts once.
        var freshIndexes = new List<int>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].EventId is not { } eventId || seen.Add(eventId))
            {
                freshIndexes.Add(i);
            }
        }
        var fresh = freshIndexes.Select(i => events[i]).ToList();
        var deliveries = await LockDeliveriesAsync(connection, transaction, channel, fresh, cancellationToken);
        var applied = Apply(fresh, deliveries);

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            AddDeliveryUpdates(batch, channel, deliveries);
            AddSuppressions(batch, channel, applied);
            AddEvents(batch, channel, provider, fresh, applied);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        var results = events.Select(e => new ReceiptResult(e, ReceiptOutcomes.Duplicate, null)).ToArray();
        for (var j = 0; j < freshIndexes.Count; j++)
        {
            results[freshIndexes[j]] = applied[j];
        }
        return results;
    }

    /// <summary>Stores a refused request: where it came to and why, never what it said.</summary>
    public async Task RefuseAsync(string channel, string provider, string reason, CancellationToken cancellationToken)
    {
        ChannelNames.Require(channel);
        await using var command = dataSource.CreateCommand(RefuseSql);
        command.Parameters.AddWithValue("id", UuidV7.NewGuid());
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("provider", provider);
        command.Parameters.AddWithValue("reason", reason);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Applies receipts that arrived while their delivery was still <c>SENDING</c>; those whose
    /// delivery still is stay waiting. Safe on every replica (rows are taken with SKIP LOCKED).
    /// </summary>
    public async Task<IReadOnlyList<ReceiptResult>> ApplyWaitingAsync(string channel, int limit, CancellationToken cancellationToken)
    {
        ChannelNames.Require(channel);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(Guid Id, string Provider, ReceiptEvent Event)>();
        await using (var command = new NpgsqlCommand(WaitingSql, connection, transaction))
        {
            command.Parameters.AddWithValue("channel", channel);
            command.Parameters.AddWithValue("limit", limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var e = new ReceiptEvent(
                    NullableString(reader, 2), reader.GetString(3), ParseKind(reader.GetString(4)),
                    reader.IsDBNull(5) ? null : reader.GetGuid(5), NullableString(reader, 6),
                    reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9))
                {
                    ErrorCode = NullableString(reader, 7),
                    ErrorMessage = NullableString(reader, 8),
                    SuppressReason = NullableString(reader, 10),
                };
                rows.Add((reader.GetGuid(0), reader.GetString(1), e));
            }
        }
        if (rows.Count == 0)
        {
            return [];
        }
        var events = rows.Select(r => r.Event).ToList();
        var deliveries = await LockDeliveriesAsync(connection, transaction, channel, events, cancellationToken);
        var applied = Apply(events, deliveries);
        var settled = Enumerable.Range(0, rows.Count).Where(i => applied[i].Outcome != ReceiptOutcomes.Waiting).ToList();

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            AddDeliveryUpdates(batch, channel, deliveries);
            AddSuppressions(batch, channel, [.. settled.Select(i => applied[i])]);
            var settle = new NpgsqlBatchCommand(SettleWaitingSql);
            settle.Parameters.AddWithValue("ids", settled.Select(i => rows[i].Id).ToArray());
            settle.Parameters.AddWithValue("outcomes", settled.Select(i => applied[i].Outcome).ToArray());
            settle.Parameters.AddWithValue("statuses_after", NpgsqlDbType.Array | NpgsqlDbType.Text, settled.Select(i => applied[i].StatusAfter).ToArray());
            batch.BatchCommands.Add(settle);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return settled.Select(i => applied[i] with { Provider = rows[i].Provider }).ToList();
    }

    private static async Task<Dictionary<Guid, DeliveryState>> LockDeliveriesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string channel, IReadOnlyList<ReceiptEvent> events,
        CancellationToken cancellationToken)
    {
        var ids = events.Select(e => e.DeliveryId).OfType<Guid>().Distinct().Order().ToArray();   // one lock order for every replica
        var deliveries = new Dictionary<Guid, DeliveryState>(ids.Length);
        if (ids.Length == 0)
        {
            return deliveries;
        }
        await using var command = new NpgsqlCommand(ChannelNames.Literal(DeliveriesSql, channel), connection, transaction);
        command.Parameters.AddWithValue("ids", ids);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = reader.GetString(1);
            deliveries[reader.GetGuid(0)] = new DeliveryState(status, status, NullableString(reader, 2), NullableString(reader, 3));
        }
        return deliveries;
    }

    /// <summary>Walks each delivery's events in the order they happened and decides each one.</summary>
    private static ReceiptResult[] Apply(IReadOnlyList<ReceiptEvent> events, Dictionary<Guid, DeliveryState> deliveries)
    {
        var results = new ReceiptResult[events.Count];
        var order = Enumerable.Range(0, events.Count)
            .OrderBy(i => events[i].OccurredAt ?? DateTimeOffset.MaxValue)
            .ThenBy(i => events[i].Kind);   // same second: sent before delivered before failed
        foreach (var i in order)
        {
            var e = events[i];
            if (e.DeliveryId is not { } id || !deliveries.TryGetValue(id, out var delivery))
            {
                results[i] = new ReceiptResult(e, ReceiptOutcomes.UnknownDelivery, null);
                continue;
            }
            if (!ReceiptMessageIds.Match(delivery.ProviderMessageId, e.ProviderMessageId))
            {
                // Not this delivery's message: it changes nothing, suppresses nothing, and does
                // not join the delivery's trace (it may be another tenant's delivery).
                results[i] = new ReceiptResult(e, ReceiptOutcomes.MessageMismatch, null);
                continue;
            }
            var (next, outcome) = ReceiptTransitions.Decide(delivery.Current, e.Kind);
            if (next is not null)
            {
                delivery.Current = next;
                delivery.Cause = e;
            }
            results[i] = new ReceiptResult(e, outcome, delivery.Current) { Traceparent = delivery.Traceparent };
        }
        return results;
    }

    private static void AddDeliveryUpdates(NpgsqlBatch batch, string channel, Dictionary<Guid, DeliveryState> deliveries)
    {
        var moved = deliveries.Where(d => d.Value.Current != d.Value.Original).ToList();
        if (moved.Count == 0)
        {
            return;
        }
        var update = new NpgsqlBatchCommand(ChannelNames.Literal(UpdateDeliveriesSql, channel));
        var p = update.Parameters;
        p.AddWithValue("ids", moved.Select(d => d.Key).ToArray());
        p.AddWithValue("statuses", moved.Select(d => d.Value.Current).ToArray());
        p.AddWithValue("at", moved.Select(d => (d.Value.Cause!.OccurredAt ?? DateTimeOffset.UtcNow).UtcDateTime).ToArray());
        p.AddWithValue("error_codes", NpgsqlDbType.Array | NpgsqlDbType.Text, moved.Select(d => d.Value.Cause!.ErrorCode).ToArray());
        p.AddWithValue("error_messages", NpgsqlDbType.Array | NpgsqlDbType.Text, moved.Select(d => d.Value.Cause!.ErrorMessage).ToArray());
        p.AddWithValue("provider_message_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, moved.Select(d => d.Value.Cause!.ProviderMessageId).ToArray());
        batch.BatchCommands.Add(update);
    }

    private static void AddSuppressions(NpgsqlBatch batch, string channel, ReceiptResult[] applied)
    {
        // Only events matched to their delivery (same id and provider message id) suppress its
        // address; a waiting event is matched when the sweeper applies it, and suppresses then.
        var suppress = applied
            .Where(r => r.Event.SuppressReason is not null
                && r.Outcome is not (ReceiptOutcomes.UnknownDelivery or ReceiptOutcomes.MessageMismatch or ReceiptOutcomes.Waiting))
            .Select(r => r.Event)
            .ToList();
        if (suppress.Count == 0)
        {
            return;
        }
        var command = new NpgsqlBatchCommand(ChannelNames.Literal(SuppressSql, channel));
        command.Parameters.AddWithValue("ids", suppress.Select(e => e.DeliveryId!.Value).ToArray());
        command.Parameters.AddWithValue("reasons", suppress.Select(e => e.SuppressReason!).ToArray());
        batch.BatchCommands.Add(command);
    }

    private static void AddEvents(NpgsqlBatch batch, string channel, string provider, IReadOnlyList<ReceiptEvent> events, ReceiptResult[] applied)
    {
        var command = new NpgsqlBatchCommand(InsertEventsSql);
        var p = command.Parameters;
        p.AddWithValue("channel", channel);
        p.AddWithValue("provider", provider);
        p.AddWithValue("ids", events.Select(_ => UuidV7.NewGuid()).ToArray());
        p.AddWithValue("event_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.EventId).ToArray());
        p.AddWithValue("event_types", events.Select(e => e.EventType).ToArray());
        p.AddWithValue("kinds", events.Select(e => KindName(e.Kind)).ToArray());
        p.AddWithValue("delivery_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid, events.Select(e => e.DeliveryId).ToArray());
        p.AddWithValue("provider_message_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.ProviderMessageId).ToArray());
        p.AddWithValue("error_codes", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.ErrorCode).ToArray());
        p.AddWithValue("error_messages", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.ErrorMessage).ToArray());
        p.AddWithValue("suppress_reasons", NpgsqlDbType.Array | NpgsqlDbType.Text, events.Select(e => e.SuppressReason).ToArray());
        p.AddWithValue("occurred_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, events.Select(e => e.OccurredAt?.UtcDateTime).ToArray());
        p.AddWithValue("outcomes", applied.Select(a => a.Outcome).ToArray());
        p.AddWithValue("statuses_after", NpgsqlDbType.Array | NpgsqlDbType.Text, applied.Select(a => a.StatusAfter).ToArray());
        batch.BatchCommands.Add(command);
    }

    private static string KindName(ReceiptKind kind) => kind switch
    {
        ReceiptKind.Sent => "sent",
        ReceiptKind.Delivered => "delivered",
        ReceiptKind.Failed => "failed",
        _ => "info",
    };

    private static ReceiptKind ParseKind(string kind) => kind switch
    {
        "sent" => ReceiptKind.Sent,
        "delivered" => ReceiptKind.Delivered,
        "failed" => ReceiptKind.Failed,
        _ => ReceiptKind.Informational,
    };

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A delivery as read under lock, and where its receipts have taken it so far.</summary>
    private sealed class DeliveryState(string original, string current, string? traceparent, string? providerMessageId)
    {
        public string Original { get; } = original;
        public string Current { get; set; } = current;
        public string? Traceparent { get; } = traceparent;

        /// <summary>The id the provider answered the send with, as the worker recorded it (null until then).</summary>
        public string? ProviderMessageId { get; } = providerMessageId;

        /// <summary>The event that made the last move: its time, error and provider id are written.</summary>
        public ReceiptEvent? Cause { get; set; }
    }
}
