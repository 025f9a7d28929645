using Npgsql;

namespace Notify.Outbox.Tenants;

public sealed record Tenant(Guid Id, string Name);

public sealed record CreatedTenant(Guid Id, string Name, string ApiKey);

/// <summary>Tenants and their API keys.</summary>
public sealed class TenantStore(NpgsqlDataSource dataSource)
{
    /// <summary>Creates a tenant with a fresh API key. The key is returned once and never stored.</summary>
    public async Task<CreatedTenant> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        var key = ApiKeys.Generate();
        var tenant = await EnsureWithKeyAsync(name, key, cancellationToken);
        return new CreatedTenant(tenant.Id, tenant.Name, key);
    }

    /// <summary>
    /// Creates the tenant if it does not exist and makes <paramref name="apiKey"/> one of its
    /// keys. Idempotent: used to bootstrap the development tenant at every start.
    /// </summary>
    public async Task<Tenant> EnsureWithKeyAsync(string name, string apiKey, CancellationToken cancellationToken = default)
    {
        const string sql = """
            WITH upserted AS (
                INSERT INTO notify.tenants (id, name) VALUES (@id, @name)
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
                RETURNING id
            ), key AS (
                INSERT INTO notify.api_keys (key_hash, tenant_id, key_prefix)
                SELECT @hash, id, @prefix FROM upserted
                ON CONFLICT (key_hash) DO NOTHING
            )
            SELECT id FROM upserted
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", UuidV7.NewGuid());
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("hash", ApiKeys.Hash(apiKey));
        command.Parameters.AddWithValue("prefix", ApiKeys.DisplayPrefix(apiKey));
        var id = (Guid)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new Tenant(id, name);
    }

    /// <summary>Adds a key to a tenant (the old keys keep working until revoked).</summary>
    public async Task<string> AddApiKeyAsync(Guid tenantId, CancellationToken cancellationToken = default)
    {
        var key = ApiKeys.Generate();
        await using var command = dataSource.CreateCommand(
            "INSERT INTO notify.api_keys (key_hash, tenant_id, key_prefix) VALUES (@hash, @tenant, @prefix)");
        command.Parameters.AddWithValue("hash", ApiKeys.Hash(key));
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("prefix", ApiKeys.DisplayPrefix(key));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return key;
    }

    /// <summary>The active tenant owning a key, or null for an unknown, revoked or disabled one.</summary>
    public async Task<Tenant?> FindByKeyHashAsync(byte[] keyHash, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT t.id, t.name
            FROM notify.api_keys k JOIN notify.tenants t ON t.id = k.tenant_id
            WHERE k.key_hash = @hash AND k.revoked_at IS NULL AND t.disabled_at IS NULL
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("hash", keyHash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new Tenant(reader.GetGuid(0), reader.GetString(1)) : null;
    }
}
