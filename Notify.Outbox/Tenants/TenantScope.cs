using Npgsql;

namespace Notify.Outbox.Tenants;

/// <summary>
/// Runs the tenant API's statements as the role <c>notify_tenant</c>, acting for named tenants,
/// so PostgreSQL's row-level security (<c>Migrations/0011_row_level_security.sql</c>) shows and
/// accepts only those tenants' rows: a second line behind every query's own
/// <c>tenant_id = …</c>. The scope is one statement placed first in the batch that does the work
/// (no extra round trip) and lasts until the transaction ends (both settings are
/// transaction-local, so a pooled connection never carries it to its next user). A batch without
/// an explicit transaction runs in one implicit transaction, so the scope covers all of it.
/// </summary>
/// <remarks>
/// Only tenant calls use it. Workers, receipts, retention and the admin API run as the connecting
/// role: they are cross-tenant by design.
/// </remarks>
public static class TenantScope
{
    /// <summary>The role the tenant API's transactions take (created by the migration).</summary>
    public const string Role = "notify_tenant";

    /// <summary>The setting the row-level security policies read: tenant ids, comma-separated.</summary>
    public const string Setting = "notify.tenant_ids";

    private const string ScopeSql = $"SELECT set_config('role', '{Role}', true), set_config('{Setting}', $1, true)";

    /// <summary>The statement that scopes the rest of its transaction to <paramref name="tenantId"/>.</summary>
    public static NpgsqlBatchCommand Command(Guid tenantId) => Command([tenantId]);

    /// <summary>
    /// The statement that scopes the rest of its transaction to <paramref name="tenantIds"/> (a
    /// group commit writes several tenants' notifications in one statement).
    /// </summary>
    public static NpgsqlBatchCommand Command(IEnumerable<Guid> tenantIds)
        => new(ScopeSql) { Parameters = { new() { Value = string.Join(',', tenantIds.Distinct()) } } };

    /// <summary>
    /// A batch on a pooled connection: the scope for <paramref name="tenantId"/>, then
    /// <paramref name="commands"/>. Read its results with <see cref="ExecuteReaderAsync"/> or
    /// each command's <c>RecordsAffected</c>.
    /// </summary>
    public static NpgsqlBatch CreateBatch(NpgsqlDataSource dataSource, Guid tenantId, params NpgsqlBatchCommand[] commands)
    {
        var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(tenantId));
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }
        return batch;
    }

    /// <summary>Executes a batch that starts with the scope and returns the reader at the first command after it.</summary>
    public static async Task<NpgsqlDataReader> ExecuteReaderAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        var reader = await batch.ExecuteReaderAsync(cancellationToken);
        try
        {
            await reader.NextResultAsync(cancellationToken);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }
}
