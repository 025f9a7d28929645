using Microsoft.Extensions.Options;
using Notify.Outbox.Controls;
using Notify.Outbox.Reading;
using Npgsql;

namespace Notify.Outbox.DeadLetters;

/// <summary>
/// Dead letters for operators: grouped listing, one with its attempts, and replay with the
/// safety rails of the DLQ hardening checklist (dry run, maximum rows, replay key, per-tenant
/// daily and monthly budgets). The admin API and <c>notifyctl dlq</c> call this.
/// </summary>
public sealed class DeadLetterStore(NpgsqlDataSource dataSource, IOptions<DeadLetterOptions> options)
{
    public const int MaxReplayKeyLength = 200;
    public const int MaxReasonLength = 500;
    public const int MaxActorLength = 200;
    public const int MaxReplayIds = DeadLetterSelection.MaxIds;
    public const int MaxErrorCodeLength = DeadLetterSelection.MaxErrorCodeLength;

    private readonly DeadLetterOptions _options = options.Value;

    /// <summary>
    /// Dead letters grouped by channel and last error code, largest group first, with the time the
    /// latest of each died. Reads only the partial <c>deliveries_dead_idx</c> and the rows it points at.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown channel or a malformed filter; nothing is read.</exception>
    public async Task<IReadOnlyList<DeadLetterGroup>> ListGroupsAsync(DeadLetterFilter? filter, CancellationToken cancellationToken)
    {
        var selection = DeadLetterSelection.ForListing(filter);
        var sql = $"""
            SELECT d.channel, d.last_error_code, count(*), max(d.updated_at)
            FROM notify.deliveries d
            WHERE {selection.Where}
            GROUP BY d.channel, d.last_error_code
            ORDER BY count(*) DESC, d.channel, d.last_error_code NULLS LAST
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(selection.Parameters.ToArray());
        var groups = new List<DeadLetterGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(new DeadLetterGroup(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2),
                reader.GetDateTime(3)));
        }
        return groups;
    }

    /// <summary>
    /// The delivery with its attempts (oldest first), whatever its status now (a replayed dead letter
    /// is shown with its new one, see <see cref="DeadLetter.IsDead"/>); null when there is no such delivery.
    /// </summary>
    public async Task<DeadLetter?> ShowAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        const string DeliverySql = """
            SELECT id, channel, recipient, status, attempt_count, max_attempts, next_attempt_at, provider,
                   provider_message_id, last_error_code, last_error_message, skip_reason, created_at, updated_at,
                   sent_at, delivered_at, template_version, tenant_id, notification_id
            FROM notify.deliveries
            WHERE id = @id
            """;
        // The attempts' primary key leads with delivery_id.
        const string AttemptsSql = """
            SELECT attempt_number, provider, outcome, http_status, error_code, error_message, provider_message_id,
                   started_at, duration_ms
            FROM notify.delivery_attempts
            WHERE delivery_id = @id
            ORDER BY started_at, lease_token, provider
            """;
        // The receipts' index on delivery_id.
        const string ReceiptsSql = """
            SELECT provider, event_type, outcome, error_code, occurred_at, received_at
            FROM notify.receipt_events
            WHERE delivery_id = @id
            ORDER BY received_at, id
            """;
        await using var batch = dataSource.CreateBatch();
        foreach (var sql in new[] { DeliverySql, AttemptsSql, ReceiptsSql })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<Guid>("id", deliveryId));
            batch.BatchCommands.Add(command);
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var row = (
            Id: reader.GetGuid(0), Channel: reader.GetString(1), Recipient: reader.GetString(2), Status: reader.GetString(3),
            AttemptCount: reader.GetInt32(4), MaxAttempts: reader.GetInt32(5), Next: reader.GetDateTime(6), Provider: Text(reader, 7),
            ProviderMessageId: Text(reader, 8), ErrorCode: Text(reader, 9), ErrorMessage: Text(reader, 10), SkipReason: Text(reader, 11),
            Created: reader.GetDateTime(12), Updated: reader.GetDateTime(13), Sent: Date(reader, 14), Delivered: Date(reader, 15),
            TemplateVersion: reader.IsDBNull(16) ? (int?)null : reader.GetInt32(16), Tenant: reader.GetGuid(17), Notification: reader.GetGuid(18));

        await reader.NextResultAsync(cancellationToken);
        var attempts = new List<AttemptView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new AttemptView(reader.GetInt32(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3), Text(reader, 4), Text(reader, 5), Text(reader, 6),
                reader.GetDateTime(7), reader.GetInt32(8)));
        }
        await reader.NextResultAsync(cancellationToken);
        var receipts = new List<ReceiptView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            receipts.Add(new ReceiptView(reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(reader, 3), Date(reader, 4),
                reader.GetDateTime(5)));
        }
        var delivery = new DeliveryView(row.Id, row.Channel, row.Recipient, row.Status, row.AttemptCount, row.MaxAttempts, row.Next,
            row.Provider, row.ProviderMessageId, row.ErrorCode, row.ErrorMessage, row.SkipReason, row.Created, row.Updated, row.Sent,
            row.Delivered, row.TemplateVersion, attempts) { Receipts = receipts };
        return new DeadLetter(row.Tenant, row.Notification, delivery);
    }

    /// <summary>
    /// Replays one tenant's dead letters: each matched row goes back to RETRYING (PENDING if it never
    /// made an attempt), due now, with <c>max_attempts = attempt_count + AttemptsPerReplay</c>; its
    /// attempts stay as they are. The rows, the <c>replay_runs</c> row and the wake-up NOTIFY of each
    /// channel touched commit in one transaction. A dry run counts (and checks the limits) only.
    /// </summary>
    /// <exception cref="ArgumentException">A malformed request; nothing is changed.</exception>
    /// <exception cref="ReplayRefusedException">A limit refused it (too many rows, a budget, a reused key); nothing is changed.</exception>
    public async Task<ReplayResult> ReplayAsync(ReplayRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Everything is checked before anything is read or written.
        var selection = DeadLetterSelection.ForReplay(request);
        var actor = ControlArguments.Text(request.Actor, MaxActorLength, "actor");
        var reason = ControlArguments.Text(request.Reason, MaxReasonLength, "reason");
        var replayKey = request.ReplayKey is null ? null : ControlArguments.Text(request.ReplayKey, MaxReplayKeyLength, "replayKey");
        if (request.MaxRows <= 0)
        {
            throw new ArgumentException($"maxRows: {request.MaxRows}; a replay must allow at least one row.", nameof(request));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var run = new ReplayTransaction(connection, transaction, request.TenantId, selection);

        if (replayKey is not null && !request.DryRun)
        {
            // Calls with one key take turns, so the second sees the first's committed row.
            await run.LockAsync("key:" + replayKey, cancellationToken);
            if (await run.FindRunAsync(replayKey, cancellationToken) is { } earlier)
            {
                if (!earlier.SameRequest)
                {
                    throw new ReplayRefusedException(ReplayRefusal.ReplayKeyReused,
                        $"replayKey: '{replayKey}' was used on {earlier.CreatedAt:O} by a different replay (another tenant or selection); " +
                        "use a new key for a new replay. Nothing was replayed.");
                }
                return new ReplayResult(earlier.Count, DryRun: false, Repeated: true, earlier.Id, earlier.CreatedAt);
            }
        }

        // Replays of one tenant take turns, so two of them cannot both fit in the budget's last rows.
        await run.LockAsync("tenant:" + request.TenantId.ToString("D"), cancellationToken);
        var matched = request.DryRun
            ? null
            : await run.LockMatchedAsync(request.MaxRows + 1, cancellationToken);
        var count = matched?.Count ?? await run.CountMatchedAsync(cancellationToken);
        if (count > request.MaxRows)
        {
            // The locked read stopped at MaxRows + 1; say how many really match.
            var all = matched is null ? count : await run.CountMatchedAsync(cancellationToken);
            throw new ReplayRefusedException(ReplayRefusal.TooManyRows,
                $"maxRows: {all} dead letters match, more than the maximum of {request.MaxRows} for one replay; narrow the filter " +
                "or raise maxRows. Nothing was replayed.", all, request.MaxRows);
        }

        var (today, month) = await run.ReplayedAsync(cancellationToken);
        if (today + count > _options.DailyReplayBudget)
        {
            throw new ReplayRefusedException(ReplayRefusal.DailyBudget,
                $"budget: tenant {request.TenantId} replayed {today} rows today (UTC); {count} more would exceed the daily replay " +
                $"budget of {_options.DailyReplayBudget}. Nothing was replayed.", today + count, _options.DailyReplayBudget);
        }
        if (month + count > _options.MonthlyReplayBudget)
        {
            throw new ReplayRefusedException(ReplayRefusal.MonthlyBudget,
                $"budget: tenant {request.TenantId} replayed {month} rows this month (UTC); {count} more would exceed the monthly " +
                $"replay budget of {_options.MonthlyReplayBudget}. Nothing was replayed.", month + count, _options.MonthlyReplayBudget);
        }

        if (request.DryRun)
        {
            return new ReplayResult(count, DryRun: true, Repeated: false, RunId: null, CreatedAt: null);
        }

        var replayed = await run.ReviveAsync(matched!, _options.AttemptsPerReplay, cancellationToken);
        var (runId, createdAt) = await run.RecordAsync(replayKey, actor, reason, replayed, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ReplayResult(replayed.Count, DryRun: false, Repeated: false, runId, createdAt);
    }

    /// <summary>
    /// What is left of the tenant's replay budgets now: rows it may still replay today and this
    /// month (UTC), never below zero. Shown with every replay answer, so an operator sees the
    /// budget shrink before a replay is refused for it.
    /// </summary>
    public async Task<ReplayBudget> BudgetAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (today, month) = await ReplayTransaction.ReplayedAsync(connection, null, tenantId, cancellationToken);
        return new ReplayBudget(Math.Max(0, _options.DailyReplayBudget - today), Math.Max(0, _options.MonthlyReplayBudget - month));
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTime? Date(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDateTime(ordinal);
}
