using Npgsql;

namespace Notify.Outbox.Audit;

/// <summary>
/// <c>notify.audit_log</c>: the admin API appends one entry per call that passed authentication
/// and lists them newest first. The table is append-only (a trigger refuses UPDATE, DELETE and
/// TRUNCATE), so this store only ever inserts and reads.
/// </summary>
public sealed class AuditLogStore(NpgsqlDataSource dataSource)
{
    public const int MaxDetailLength = 2_000;

    public async Task AppendAsync(NewAuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        const string Sql = """
            INSERT INTO notify.audit_log (actor, role, action, tenant_id, client_address, outcome, detail)
            VALUES (@actor, @role, @action, @tenant, @address, @outcome, @detail)
            """;
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string>("actor", entry.Actor));
        command.Parameters.Add(new NpgsqlParameter<string>("role", entry.Role));
        command.Parameters.Add(new NpgsqlParameter<string>("action", entry.Action));
        command.Parameters.Add(new NpgsqlParameter("tenant", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)entry.TenantId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>("address", entry.ClientAddress));
        command.Parameters.Add(new NpgsqlParameter<string>("outcome", entry.Outcome));
        // A detail quotes the caller's words (a reason, a key): bounded so a paste cannot bloat the table.
        command.Parameters.Add(new NpgsqlParameter<string>("detail",
            entry.Detail.Length <= MaxDetailLength ? entry.Detail : entry.Detail[..MaxDetailLength] + "…"));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The newest <paramref name="limit"/> entries, optionally of one action only.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, string? action, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        // Two statements rather than "@action IS NULL OR …", so each uses its index (primary key, or action + id).
        var sql = $"""
            SELECT id, occurred_at, actor, role, action, tenant_id, client_address, outcome, detail
            FROM notify.audit_log
            {(action is null ? "" : "WHERE action = @action")}
            ORDER BY id DESC
            LIMIT @limit
            """;
        await using var command = dataSource.CreateCommand(sql);
        if (action is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("action", action));
        }
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(reader.GetInt64(0), reader.GetDateTime(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetString(6), reader.GetString(7), reader.GetString(8)));
        }
        return entries;
    }
}
