using Notify.Outbox.Tenants;
using Npgsql;
using NpgsqlTypes;

namespace Notify.Outbox.Writing;

/// <summary>
/// The SQL of one group commit: every notification and delivery of the group is inserted
/// by a single statement over arrays, and suppressed addresses become SKIPPED in the same
/// statement. That statement first assumes every idempotency key is new; a group with a key
/// already taken is written again by one that settles each key (see FreshInsertSql). The tenant
/// scope and the insert go as one batch without BEGIN or COMMIT:
/// PostgreSQL runs a batch (one Sync) as one implicit transaction and commits it at its end,
/// so a group costs one round trip, commit included. The workers are woken after the commit
/// (<see cref="OutboxWakeUps"/>).
/// </summary>
internal static class OutboxBatchStatement
{
    // Both statements insert the notifications alike, from the same arrays.
    private const string InsertNotifications = """
        INSERT INTO notify.notifications
            (id, tenant_id, idempotency_key, request_hash, template_id, locale, params, content,
             priority, send_at, expires_at, correlation_id, metadata, external_id, traceparent)
        SELECT id, tenant_id, idempotency_key, request_hash, template_id, locale, params, content,
               priority, send_at, expires_at, correlation_id, metadata::jsonb, external_id, traceparent
        FROM unnest(@n_id, @n_tenant, @n_key, @n_hash, @n_template, @n_locale, @n_params, @n_content,
                    @n_priority, @n_send_at, @n_expires_at, @n_correlation, @n_metadata, @n_external, @n_traceparent)
             AS t(id, tenant_id, idempotency_key, request_hash, template_id, locale, params, content,
                  priority, send_at, expires_at, correlation_id, metadata, external_id, traceparent)
        """;

    // Both statements insert the deliveries alike; each carries its notification's priority and
    // times, so the deliveries need no join with the inserted notifications to be written.
    private const string InsertDeliveries = """
        INSERT INTO notify.deliveries
            (id, notification_id, tenant_id, channel, recipient, platform, status, skip_reason,
             priority, template_version, template_locale, max_attempts, next_attempt_at, expires_at)
        SELECT t.id, t.notification_id, t.tenant_id, t.channel, t.recipient, t.platform,
               CASE WHEN s.reason IS NULL THEN 'PENDING' ELSE 'SKIPPED' END,
               'suppressed:' || s.reason,
               t.priority, t.template_version, t.template_locale, t.max_attempts, coalesce(t.send_at, now()), t.expires_at
        FROM unnest(@d_id, @d_notification, @d_tenant, @d_channel, @d_recipient, @d_platform,
                    @d_template_version, @d_template_locale, @d_max_attempts, @d_priority, @d_send_at, @d_expires_at)
             AS t(id, notification_id, tenant_id, channel, recipient, platform, template_version, template_locale,
                  max_attempts, priority, send_at, expires_at)
        -- A marketing opt-out (WhatsApp 131050) stops bulk sends only: the user still gets
        -- transactional messages (codes, order updates), which Meta keeps delivering.
        LEFT JOIN notify.suppressions s
               ON s.tenant_id = t.tenant_id AND s.channel = t.channel AND s.address = t.recipient
              AND (s.reason <> 'marketing_opt_out' OR t.priority = 1)
        """;

    // The statement tried first: it assumes every key is new, as it nearly always is, and so
    // needs no conflict check of each notification. A key that exists already fails it whole
    // with a unique violation on notifications_idempotency_key, and the group is written again
    // with InsertSql, which settles replays and conflicts. Only skipped deliveries come back:
    // the rest are PENDING.
    private const string FreshInsertSql = $$"""
        WITH n AS (
            {{InsertNotifications}}
        ), d AS (
            {{InsertDeliveries}}
            RETURNING id, status, skip_reason
        )
        SELECT id, status, skip_reason FROM d WHERE status <> 'PENDING'
        """;

    private const string InsertSql = $$"""
        WITH n AS (
            {{InsertNotifications}}
            ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
            RETURNING id
        ), d AS (
            {{InsertDeliveries}}
            -- Only the deliveries of the notifications inserted here, not of a key taken before.
            WHERE t.notification_id IN (SELECT id FROM n)
            RETURNING id, status, skip_reason
        )
        SELECT id, NULL::text AS status, NULL::text AS skip_reason FROM n
        UNION ALL
        SELECT id, status, skip_reason FROM d
        """;

    private const string IdempotencyKeyConstraint = "notifications_idempotency_key";

    // The earlier notification behind each idempotency key this group lost a race (or a
    // retry) to, with its deliveries in creation order.
    private const string ExistingSql = """
        SELECT n.tenant_id, n.idempotency_key, n.id, n.request_hash,
               d.id, d.channel, d.recipient, d.status, d.skip_reason
        FROM unnest(@tenants, @keys) AS k(tenant_id, idempotency_key)
        JOIN notify.notifications n ON n.tenant_id = k.tenant_id AND n.idempotency_key = k.idempotency_key
        -- A notification's deliveries are the key range [id, id with 0xFF in the last byte].
        LEFT JOIN notify.deliveries d
               ON d.id BETWEEN n.id AND encode(overlay(uuid_send(n.id) PLACING '\xff'::bytea FROM 16), 'hex')::uuid
              AND d.notification_id = n.id AND d.tenant_id = n.tenant_id
        ORDER BY n.id, d.id
        """;

    /// <summary>
    /// Writes and commits the group on <paramref name="connection"/>, which must have no
    /// transaction open. A <see cref="PostgresException"/> means nothing was written; any other
    /// failure leaves the outcome unknown.
    /// </summary>
    public static async Task<IReadOnlyList<WriteOutcome>> ExecuteAsync(
        NpgsqlConnection connection, IReadOnlyList<NewNotification> notifications, CancellationToken cancellationToken)
    {
        // The first notification per (tenant, key) is written; a repeat of the same key in
        // the same group takes the first one's outcome (replay or conflict).
        var firstIndexByKey = new Dictionary<(Guid, string), int>(notifications.Count);
        var leaderOf = new int[notifications.Count];
        var leaders = new List<NewNotification>(notifications.Count);
        for (var i = 0; i < notifications.Count; i++)
        {
            var key = (notifications[i].TenantId, notifications[i].IdempotencyKey);
            if (firstIndexByKey.TryGetValue(key, out var first))
            {
                leaderOf[i] = first;
            }
            else
            {
                firstIndexByKey[key] = i;
                leaderOf[i] = i;
                leaders.Add(notifications[i]);
            }
        }

        // Insert in key order: two groups racing on the same keys then take the unique
        // index's locks in the same order, so they wait for each other instead of deadlocking.
        leaders.Sort(static (a, b) =>
        {
            var byTenant = a.TenantId.CompareTo(b.TenantId);
            return byTenant != 0 ? byTenant : string.CompareOrdinal(a.IdempotencyKey, b.IdempotencyKey);
        });

        var inserted = new HashSet<Guid>(leaders.Count);
        var deliveryState = new Dictionary<Guid, (string Status, string? SkipReason)>();
        try
        {
            await WriteAsync(connection, leaders, FreshInsertSql, inserted, deliveryState, cancellationToken);
            foreach (var leader in leaders)
            {
                inserted.Add(leader.Id);
            }
        }
        catch (PostgresException ex) when (ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: IdempotencyKeyConstraint })
        {
            // A key of this group is taken (a retry, or a race with another group): nothing was
            // written; write the group again, settling each key against the row that has it.
            inserted.Clear();
            deliveryState.Clear();
            await WriteAsync(connection, leaders, InsertSql, inserted, deliveryState, cancellationToken);
        }

        // A key this group lost to an earlier notification: that row was committed before our
        // insert passed it (ON CONFLICT waits for the other transaction), so reading it after
        // our commit sees the same row a read inside the transaction would have.
        Dictionary<(Guid, string), ExistingNotification>? existing = null;
        if (inserted.Count < leaders.Count)
        {
            existing = await ReadExistingAsync(connection, leaders.Where(n => !inserted.Contains(n.Id)).ToList(), cancellationToken);
        }

        var outcomes = new WriteOutcome[notifications.Count];
        for (var i = 0; i < notifications.Count; i++)
        {
            var notification = notifications[i];
            var leader = notifications[leaderOf[i]];
            if (leaderOf[i] == i && inserted.Contains(notification.Id))
            {
                outcomes[i] = new Accepted(notification.Id, Written(notification, deliveryState), Replayed: false);
            }
            else if (leaderOf[i] != i && inserted.Contains(leader.Id))
            {
                outcomes[i] = notification.RequestHash.AsSpan().SequenceEqual(leader.RequestHash)
                    ? new Accepted(leader.Id, Written(leader, deliveryState), Replayed: true)
                    : new KeyConflict(leader.Id);
            }
            else if (existing!.TryGetValue((notification.TenantId, notification.IdempotencyKey), out var earlier))
            {
                outcomes[i] = notification.RequestHash.AsSpan().SequenceEqual(earlier.RequestHash)
                    ? new Accepted(earlier.Id, earlier.Deliveries, Replayed: true)
                    : new KeyConflict(earlier.Id);
            }
            else
            {
                // The conflicting row was deleted between our insert and our read (retention).
                outcomes[i] = new Rejected("The idempotency key is being reused concurrently; retry the call.", Retryable: true);
            }
        }
        return outcomes;
    }

    /// <summary>
    /// One round trip: the tenant scope and <paramref name="insertSql"/> (either statement above,
    /// over the same arrays) as one batch, committed at its end.
    /// Notifications inserted go into <paramref name="inserted"/> (the conflict-checking
    /// statement reports them; the fresh one inserts all or nothing), deliveries not PENDING into
    /// <paramref name="deliveryState"/>.
    /// </summary>
    private static async Task WriteAsync(NpgsqlConnection connection, List<NewNotification> leaders, string insertSql,
        HashSet<Guid> inserted, Dictionary<Guid, (string Status, string? SkipReason)> deliveryState, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        // Row-level security checks every row written against the group's tenants: a
        // notification can only be written for the tenant that was authenticated.
        batch.BatchCommands.Add(TenantScope.Command(leaders.Select(n => n.TenantId)));
        batch.BatchCommands.Add(BuildInsert(leaders, insertSql));

        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            if (reader.IsDBNull(1))
            {
                inserted.Add(id);
            }
            else
            {
                deliveryState[id] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }
        // The commit happens at the batch's end: only a reader that has read past the last
        // result has seen it succeed (a failed commit is an error there).
        while (await reader.NextResultAsync(cancellationToken))
        {
        }
    }

    private static List<WrittenDelivery> Written(NewNotification notification, Dictionary<Guid, (string Status, string? SkipReason)> state)
    {
        var written = new List<WrittenDelivery>(notification.Deliveries.Count);
        foreach (var d in notification.Deliveries)
        {
            var (status, skipReason) = state.TryGetValue(d.Id, out var s) ? s : (DeliveryStatuses.Pending, null);
            written.Add(new WrittenDelivery(d.Id, d.Channel, d.Recipient, status, skipReason));
        }
        return written;
    }

    private static NpgsqlBatchCommand BuildInsert(List<NewNotification> notifications, string sql)
    {
        var count = notifications.Count;
        var deliveryCount = notifications.Sum(n => n.Deliveries.Count);

        var nId = new Guid[count];
        var nTenant = new Guid[count];
        var nKey = new string[count];
        var nHash = new byte[count][];
        var nTemplate = new string?[count];
        var nLocale = new string?[count];
        var nParams = new byte[]?[count];
        var nContent = new byte[]?[count];
        var nPriority = new short[count];
        var nSendAt = new DateTime?[count];
        var nExpiresAt = new DateTime?[count];
        var nCorrelation = new string?[count];
        var nMetadata = new string?[count];
        var nExternal = new string?[count];
        var nTraceparent = new string?[count];

        var dId = new Guid[deliveryCount];
        var dNotification = new Guid[deliveryCount];
        var dTenant = new Guid[deliveryCount];
        var dChannel = new string[deliveryCount];
        var dRecipient = new string[deliveryCount];
        var dPlatform = new string?[deliveryCount];
        var dTemplateVersion = new int?[deliveryCount];
        var dTemplateLocale = new string?[deliveryCount];
        var dMaxAttempts = new int[deliveryCount];
        var dPriority = new short[deliveryCount];
        var dSendAt = new DateTime?[deliveryCount];
        var dExpiresAt = new DateTime?[deliveryCount];

        var j = 0;
        for (var i = 0; i < count; i++)
        {
            var n = notifications[i];
            nId[i] = n.Id;
            nTenant[i] = n.TenantId;
            nKey[i] = n.IdempotencyKey;
            nHash[i] = n.RequestHash;
            nTemplate[i] = n.TemplateId;
            nLocale[i] = n.Locale;
            nParams[i] = n.Params;
            nContent[i] = n.Content;
            nPriority[i] = n.Priority;
            nSendAt[i] = n.SendAt;
            nExpiresAt[i] = n.ExpiresAt;
            nCorrelation[i] = n.CorrelationId;
            nMetadata[i] = n.MetadataJson;
            nExternal[i] = n.ExternalId;
            nTraceparent[i] = n.Traceparent;
            foreach (var d in n.Deliveries)
            {
                dId[j] = d.Id;
                dNotification[j] = n.Id;
                dTenant[j] = n.TenantId;
                dChannel[j] = d.Channel;
                dRecipient[j] = d.Recipient;
                dPlatform[j] = d.Platform;
                dTemplateVersion[j] = d.TemplateVersion;
                dTemplateLocale[j] = d.TemplateLocale;
                dMaxAttempts[j] = d.MaxAttempts;
                dPriority[j] = n.Priority;
                dSendAt[j] = n.SendAt;
                dExpiresAt[j] = n.ExpiresAt;
                j++;
            }
        }

        var command = new NpgsqlBatchCommand(sql);
        var p = command.Parameters;
        p.AddWithValue("n_id", nId);
        p.AddWithValue("n_tenant", nTenant);
        p.AddWithValue("n_key", nKey);
        p.AddWithValue("n_hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea, nHash);
        p.AddWithValue("n_template", NpgsqlDbType.Array | NpgsqlDbType.Text, nTemplate);
        p.AddWithValue("n_locale", NpgsqlDbType.Array | NpgsqlDbType.Text, nLocale);
        p.AddWithValue("n_params", NpgsqlDbType.Array | NpgsqlDbType.Bytea, nParams);
        p.AddWithValue("n_content", NpgsqlDbType.Array | NpgsqlDbType.Bytea, nContent);
        p.AddWithValue("n_priority", nPriority);
        p.AddWithValue("n_send_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, nSendAt);
        p.AddWithValue("n_expires_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, nExpiresAt);
        p.AddWithValue("n_correlation", NpgsqlDbType.Array | NpgsqlDbType.Text, nCorrelation);
        p.AddWithValue("n_metadata", NpgsqlDbType.Array | NpgsqlDbType.Text, nMetadata);
        p.AddWithValue("n_external", NpgsqlDbType.Array | NpgsqlDbType.Text, nExternal);
        p.AddWithValue("n_traceparent", NpgsqlDbType.Array | NpgsqlDbType.Text, nTraceparent);
        p.AddWithValue("d_id", dId);
        p.AddWithValue("d_notification", dNotification);
        p.AddWithValue("d_tenant", dTenant);
        p.AddWithValue("d_channel", dChannel);
        p.AddWithValue("d_recipient", dRecipient);
        p.AddWithValue("d_platform", NpgsqlDbType.Array | NpgsqlDbType.Text, dPlatform);
        p.AddWithValue("d_template_version", NpgsqlDbType.Array | NpgsqlDbType.Integer, dTemplateVersion);
        p.AddWithValue("d_template_locale", NpgsqlDbType.Array | NpgsqlDbType.Text, dTemplateLocale);
        p.AddWithValue("d_max_attempts", dMaxAttempts);
        p.AddWithValue("d_priority", dPriority);
        p.AddWithValue("d_send_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, dSendAt);
        p.AddWithValue("d_expires_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, dExpiresAt);
        return command;
    }

    private static async Task<Dictionary<(Guid, string), ExistingNotification>> ReadExistingAsync(
        NpgsqlConnection connection, List<NewNotification> lost, CancellationToken cancellationToken)
    {
        var command = new NpgsqlBatchCommand(ExistingSql);
        command.Parameters.AddWithValue("tenants", lost.Select(n => n.TenantId).ToArray());
        command.Parameters.AddWithValue("keys", lost.Select(n => n.IdempotencyKey).ToArray());
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { TenantScope.Command(lost.Select(n => n.TenantId)), command },
        };
        var result = new Dictionary<(Guid, string), ExistingNotification>();
        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetGuid(0), reader.GetString(1));
            if (!result.TryGetValue(key, out var notification))
            {
                notification = new ExistingNotification(reader.GetGuid(2), reader.GetFieldValue<byte[]>(3), []);
                result[key] = notification;
            }
            if (!reader.IsDBNull(4))
            {
                notification.Deliveries.Add(new WrittenDelivery(reader.GetGuid(4), reader.GetString(5), reader.GetString(6),
                    reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
            }
        }
        return result;
    }

    private sealed record ExistingNotification(Guid Id, byte[] RequestHash, List<WrittenDelivery> Deliveries);
}
