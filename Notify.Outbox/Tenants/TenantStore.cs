using Npgsql;

namespace Notify.Outbox.Tenants;

public sealed record Tenant(Guid Id, string Name);

public sealed record CreatedTenant(Guid Id, string Name, string ApiKey);

/// <summary>The tenant an API key belongs to, and when the key stops working (null: until revoked).</summary>
public sealed record KeyOwner(Tenant Tenant, DateTime? ExpiresAt);

/// <summary>A tenant as operators list it: the prefixes of the keys that still work, never the keys.</summary>
public sealed record TenantSummary(Guid Id, string Name, DateTime CreatedAt, bool Disabled, IReadOnlyList<string> ActiveKeyPrefixes);

/// <summary>A key issued by a rotation; the tenant's other keys stop working at <see cref="PreviousKeysExpireAt"/>.</summary>
/// <param name="PreviousKeysExpireAt">The latest time one of the previous keys still works; null when the tenant had no working key.</param>
public sealed record RotatedKey(Tenant Tenant, string ApiKey, DateTime? PreviousKeysExpireAt);

/// <summary>Tenants and their API keys.</summary>
/// <remarks>
/// A key works while <c>revoked_at</c> is null or in the future: a rotation with a grace period
/// writes the end of the grace period there, so the old keys keep working until then without a
/// second step (and without a job that has to run at the right time).
/// </remarks>
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
    /// Creates a new tenant with a fresh API key, or returns null when the name is taken (then
    /// nothing is written). Unlike <see cref="CreateAsync"/> it never adds a key to an existing
    /// tenant: an operator creating "acme" twice must learn that acme exists.
    /// </summary>
    public async Task<CreatedTenant?> TryCreateNewAsync(string name, CancellationToken cancellationToken = default)
    {
        // The unique name decides, not a lookup first: two concurrent creates cannot both win.
        const string Sql = """
            WITH created AS (
                INSERT INTO notify.tenants (id, name) VALUES (@id, @name)
                ON CONFLICT (name) DO NOTHING
                RETURNING id
            ), key AS (
                INSERT INTO notify.api_keys (key_hash, tenant_id, key_prefix)
                SELECT @hash, id, @prefix FROM created
            )
            SELECT id FROM created
            """;
        var key = ApiKeys.Generate();
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue("id", UuidV7.NewGuid());
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("hash", ApiKeys.Hash(key));
        command.Parameters.AddWithValue("prefix", ApiKeys.DisplayPrefix(key));
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? new CreatedTenant(id, name, key) : null;
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

    /// <summary>
    /// Issues a new key for the tenant and makes every other key of it stop working after
    /// <paramref name="gracePeriod"/> (zero: now). A key already due to stop earlier keeps its
    /// earlier time: a rotation never lengthens an old key's life. Null for an unknown tenant.
    /// </summary>
    public async Task<RotatedKey?> RotateKeyAsync(Guid tenantId, TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gracePeriod, TimeSpan.Zero);
        // One statement, so the new key and the old keys' end commit together. Both data-modifying
        // parts see the same snapshot, so the UPDATE does not touch the key inserted beside it.
        const string Sql = """
            WITH tenant AS (
                SELECT id, name FROM notify.tenants WHERE id = @tenant
            ), previous AS (
                UPDATE notify.api_keys k
                SET revoked_at = least(coalesce(k.revoked_at, 'infinity'), now() + @grace)
                FROM tenant
                WHERE k.tenant_id = tenant.id AND (k.revoked_at IS NULL OR k.revoked_at > now())
                RETURNING k.revoked_at
            ), added AS (
                INSERT INTO notify.api_keys (key_hash, tenant_id, key_prefix)
                SELECT @hash, id, @prefix FROM tenant
            )
            SELECT tenant.id, tenant.name, (SELECT max(revoked_at) FROM previous)
            FROM tenant
            """;
        var key = ApiKeys.Generate();
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid>("tenant", tenantId));
        command.Parameters.Add(new NpgsqlParameter<TimeSpan>("grace", gracePeriod));
        command.Parameters.Add(new NpgsqlParameter<byte[]>("hash", ApiKeys.Hash(key)));
        command.Parameters.Add(new NpgsqlParameter<string>("prefix", ApiKeys.DisplayPrefix(key)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new RotatedKey(new Tenant(reader.GetGuid(0), reader.GetString(1)), key, reader.IsDBNull(2) ? null : reader.GetDateTime(2));
    }

    /// <summary>The tenant with this id, or (when none has it) this name; null when neither matches.</summary>
    /// <remarks>Names that are UUIDs cannot be created through the admin API, so the two never compete.</remarks>
    public async Task<Tenant?> FindAsync(string idOrName, CancellationToken cancellationToken = default)
    {
        var byId = Guid.TryParse(idOrName, out var id);
        await using var command = dataSource.CreateCommand(byId
            ? "SELECT id, name FROM notify.tenants WHERE id = @id"
            : "SELECT id, name FROM notify.tenants WHERE name = @name");
        if (byId)
        {
            command.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
        }
        else
        {
            command.Parameters.Add(new NpgsqlParameter<string>("name", idOrName));
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new Tenant(reader.GetGuid(0), reader.GetString(1)) : null;
    }

    /// <summary>Every tenant by name, with the display prefixes of the keys that work now.</summary>
    public async Task<IReadOnlyList<TenantSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        const string Sql = """
            SELECT t.id, t.name, t.created_at, t.disabled_at IS NOT NULL,
                   coalesce(array_agg(k.key_prefix ORDER BY k.created_at) FILTER (WHERE k.key_hash IS NOT NULL), '{}')
            FROM notify.tenants t
            LEFT JOIN notify.api_keys k ON k.tenant_id = t.id AND (k.revoked_at IS NULL OR k.revoked_at > now())
            GROUP BY t.id
            ORDER BY t.name
            """;
        await using var command = dataSource.CreateCommand(Sql);
        var tenants = new List<TenantSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(new TenantSummary(reader.GetGuid(0), reader.GetString(1), reader.GetDateTime(2), reader.GetBoolean(3),
                reader.GetFieldValue<string[]>(4)));
        }
        return tenants;
    }

    /// <summary>
    /// The active tenant owning a key and when the key stops working, or null for an unknown,
    /// revoked (or past its rotation's grace period) or disabled one.
    /// </summary>
    public async Task<KeyOwner?> FindByKeyHashAsync(byte[] keyHash, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT t.id, t.name, k.revoked_at
            FROM notify.api_keys k JOIN notify.tenants t ON t.id = k.tenant_id
            WHERE k.key_hash = @hash AND (k.revoked_at IS NULL OR k.revoked_at > now()) AND t.disabled_at IS NULL
            """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("hash", keyHash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new KeyOwner(new Tenant(reader.GetGuid(0), reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetDateTime(2))
            : null;
    }
}
