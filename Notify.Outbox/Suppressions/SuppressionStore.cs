using Notify.Outbox.Tenants;
using Npgsql;

namespace Notify.Outbox.Suppressions;

/// <summary>One entry of a tenant's suppression list.</summary>
public sealed record SuppressionEntry(string Channel, string Address, string Reason, string Source, DateTime CreatedAt);

/// <summary>
/// A tenant's suppression list: list (keyset-paged by channel and address, the table's key
/// order), add and remove. The ingress checks every send against the same rows. Every statement
/// names the tenant and runs in its <see cref="TenantScope"/> (row-level security).
/// </summary>
public sealed class SuppressionStore(NpgsqlDataSource dataSource)
{
    /// <summary>Entries after (<paramref name="afterChannel"/>, <paramref name="afterAddress"/>), at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<SuppressionEntry>> ListAsync(Guid tenantId, string? channel, string afterChannel, string afterAddress,
        int limit, CancellationToken cancellationToken)
    {
        // The row comparison starts at the primary key's prefix, so a page is one index seek.
        const string Sql = """
            SELECT channel, address, reason, source, created_at
            FROM notify.suppressions
            WHERE tenant_id = $1 AND ($2 = '' OR channel = $2) AND (tenant_id, channel, address) > ($1, $3, $4)
            ORDER BY channel, address
            LIMIT $5
            """;
        var command = new NpgsqlBatchCommand(Sql)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = channel ?? "" }, new() { Value = afterChannel },
                new() { Value = afterAddress }, new() { Value = limit } },
        };
        var entries = new List<SuppressionEntry>();
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, command);
        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(reader));
        }
        return entries;
    }

    /// <summary>Adds an entry, or returns the one already there (its first reason stands).</summary>
    public async Task<SuppressionEntry> AddAsync(Guid tenantId, string channel, string address, string reason, CancellationToken cancellationToken)
    {
        ChannelNames.Require(channel);
        // The no-op update makes RETURNING give the existing row too, in one statement.
        const string Sql = """
            INSERT INTO notify.suppressions (tenant_id, channel, address, reason, source)
            VALUES ($1, $2, $3, $4, 'api')
            ON CONFLICT (tenant_id, channel, address) DO UPDATE SET reason = notify.suppressions.reason
            RETURNING channel, address, reason, source, created_at
            """;
        var command = new NpgsqlBatchCommand(Sql)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = channel }, new() { Value = address }, new() { Value = reason } },
        };
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, command);
        await using var reader = await TenantScope.ExecuteReaderAsync(batch, cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    /// <summary>Removes an entry; false when there was none.</summary>
    public async Task<bool> RemoveAsync(Guid tenantId, string channel, string address, CancellationToken cancellationToken)
    {
        ChannelNames.Require(channel);
        var command = new NpgsqlBatchCommand("DELETE FROM notify.suppressions WHERE tenant_id = $1 AND channel = $2 AND address = $3")
        {
            Parameters = { new() { Value = tenantId }, new() { Value = channel }, new() { Value = address } },
        };
        await using var batch = TenantScope.CreateBatch(dataSource, tenantId, command);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return command.RecordsAffected > 0;
    }

    private static SuppressionEntry Read(NpgsqlDataReader reader)
        => new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDateTime(4));
}
