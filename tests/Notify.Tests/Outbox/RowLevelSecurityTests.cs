using Notify.Outbox;
using Notify.Outbox.Tenants;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Outbox;

/// <summary>
/// PostgreSQL's own line of tenant isolation (<c>0011_row_level_security.sql</c>), tested with
/// SQL that has no <c>tenant_id</c> condition of its own, as a query that forgot it would be:
/// in another tenant's <see cref="TenantScope"/>, tenant A's rows cannot be seen, changed,
/// deleted or written, and without a tenant nothing is visible at all. The tests connect as the
/// harness's superuser, which row security alone would let through.
/// </summary>
public sealed class RowLevelSecurityTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    // Every table with tenant rows, each with a statement naming tenant A's row by key only.
    private static readonly string[] TenantTables =
    [
        "SELECT count(*) FROM notify.notifications WHERE id = @notification",
        "SELECT count(*) FROM notify.deliveries WHERE id = @delivery",
        "SELECT count(*) FROM notify.delivery_attempts WHERE delivery_id = @delivery",
        "SELECT count(*) FROM notify.receipt_events WHERE delivery_id = @delivery",
        "SELECT count(*) FROM notify.templates WHERE template_id = 'welcome'",
        "SELECT count(*) FROM notify.suppressions WHERE address = 'gone@example.com'",
    ];

    private OutboxDatabase _database = null!;
    private Guid _delivery;
    private Guid _notification;

    private Guid TenantA => _database.TenantId;

    private static readonly Guid TenantB = Guid.NewGuid();

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _delivery = await _database.SeedAsync(ChannelNames.Email);
        _notification = await _database.ScalarAsync<Guid>("SELECT notification_id FROM notify.deliveries WHERE id = @id", _delivery);
        await OwnerAsync("""
            INSERT INTO notify.tenants (id, name) VALUES (@tenant, 'tenant-a');
            INSERT INTO notify.delivery_attempts (delivery_id, lease_token, attempt_number, tenant_id, channel, worker_id, provider,
                                                  started_at, duration_ms, outcome)
            VALUES (@delivery, 1, 1, @tenant, 'email', 'worker-1', 'sendgrid', now(), 12, 'sent');
            INSERT INTO notify.receipt_events (id, channel, provider, outcome, delivery_id) VALUES (gen_random_uuid(), 'email', 'sendgrid', 'applied', @delivery);
            INSERT INTO notify.templates (tenant_id, template_id, channel, locale, version, body) VALUES (@tenant, 'welcome', 'email', 'en', 1, 'Hi');
            INSERT INTO notify.suppressions (tenant_id, channel, address, reason) VALUES (@tenant, 'email', 'gone@example.com', 'hard_bounce');
            """);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task In_another_tenants_scope_or_with_no_tenant_no_row_of_a_tenant_is_visible()
    {
        Assert.True(await ScalarAsync<bool>(null, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));

        foreach (var sql in TenantTables)
        {
            Assert.True(await ScalarAsync<long>([TenantA], sql) == 1, $"tenant A's own scope sees its row: {sql}");
            Assert.True(await ScalarAsync<long>([TenantB], sql) == 0, $"tenant B's scope sees nothing: {sql}");
            Assert.True(await ScalarAsync<long>([], sql) == 0, $"the tenant role without a tenant sees nothing: {sql}");
            Assert.True(await ScalarAsync<long>([TenantB, Guid.NewGuid()], sql) == 0, $"a group of other tenants sees nothing: {sql}");
        }
    }

    [Fact]
    public async Task In_another_tenants_scope_updates_and_deletes_change_nothing()
    {
        var cancelled = await ExecuteAsync([TenantB], "UPDATE notify.deliveries SET status = 'CANCELLED', updated_at = now() WHERE id = @delivery");
        var unsuppressed = await ExecuteAsync([TenantB], "DELETE FROM notify.suppressions WHERE address = 'gone@example.com'");

        Assert.Equal((0, 0), (cancelled, unsuppressed));
        Assert.Equal(DeliveryStatuses.Pending, await _database.StatusAsync(_delivery));
        Assert.Equal(1L, await ScalarAsync<long>(null, "SELECT count(*) FROM notify.suppressions WHERE tenant_id = @tenant"));
        // The same statements in A's own scope do change A's rows: the grants allow them.
        Assert.Equal(1, await ExecuteAsync([TenantA], "UPDATE notify.deliveries SET status = 'CANCELLED', updated_at = now() WHERE id = @delivery"));
    }

    [Theory]
    [InlineData("INSERT INTO notify.notifications (id, tenant_id, idempotency_key, request_hash, priority) VALUES (gen_random_uuid(), @tenant, 'k', '\\x01', 0)")]
    [InlineData("INSERT INTO notify.deliveries (id, notification_id, tenant_id, channel, recipient, status, priority, max_attempts, next_attempt_at) " +
                "VALUES (gen_random_uuid(), @notification, @tenant, 'email', 'x@example.com', 'PENDING', 0, 4, now())")]
    [InlineData("INSERT INTO notify.templates (tenant_id, template_id, channel, locale, version) VALUES (@tenant, 'welcome', 'email', 'en', 2)")]
    [InlineData("INSERT INTO notify.suppressions (tenant_id, channel, address, reason) VALUES (@tenant, 'email', 'new@example.com', 'api')")]
    public async Task In_another_tenants_scope_a_row_for_the_tenant_is_refused(string insert)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync([TenantB], insert));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("row-level security", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(1, await ExecuteAsync([TenantA], insert));   // the same row in A's own scope is written
    }

    [Theory]
    [InlineData("SELECT count(*) FROM notify.api_keys")]
    [InlineData("SELECT count(*) FROM notify.tenants")]
    [InlineData("SELECT count(*) FROM notify.replay_runs")]
    [InlineData("SELECT count(*) FROM notify.audit_log")]
    [InlineData("SELECT count(*) FROM notify.deliveries_email")]
    [InlineData("SELECT count(*) FROM notify_archive.notifications")]
    [InlineData("UPDATE notify.deliveries SET tenant_id = @tenant WHERE id = @delivery")]
    [InlineData("DELETE FROM notify.notifications WHERE id = @notification")]
    [InlineData("TRUNCATE notify.suppressions")]
    public async Task The_tenant_role_has_no_privilege_beyond_the_tenant_api(string sql)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync([TenantA], sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task The_migration_runs_again_on_a_database_that_has_it()
    {
        var name = typeof(OutboxMigrator).Assembly.GetManifestResourceNames().Single(n => n.EndsWith("0011_row_level_security.sql", StringComparison.Ordinal));
        await using var stream = typeof(OutboxMigrator).Assembly.GetManifestResourceStream(name)!;
        var script = await new StreamReader(stream).ReadToEndAsync();

        await using (var command = _database.DataSource.CreateCommand(script))
        {
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(1L, await ScalarAsync<long>([TenantA], TenantTables[0]));
        Assert.Equal(0L, await ScalarAsync<long>([TenantB], TenantTables[0]));
    }

    /// <summary>
    /// Runs <paramref name="sql"/> in the scope of <paramref name="tenants"/> (empty: the tenant
    /// role with no tenant named), or as the connecting role when null.
    /// </summary>
    private NpgsqlBatch Batch(NpgsqlConnection connection, Guid[]? tenants, string sql)
    {
        var batch = new NpgsqlBatch(connection);
        if (tenants is not null)
        {
            batch.BatchCommands.Add(tenants.Length == 0
                ? new NpgsqlBatchCommand($"SELECT set_config('role', '{TenantScope.Role}', true)")
                : TenantScope.Command(tenants));
        }
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddWithValue("tenant", TenantA);
        command.Parameters.AddWithValue("delivery", _delivery);
        command.Parameters.AddWithValue("notification", _notification);
        batch.BatchCommands.Add(command);
        return batch;
    }

    private async Task<T> ScalarAsync<T>(Guid[]? tenants, string sql)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var batch = Batch(connection, tenants, sql);
        await using var reader = await batch.ExecuteReaderAsync();
        if (tenants is not null)
        {
            await reader.NextResultAsync();
        }
        Assert.True(await reader.ReadAsync());
        return reader.GetFieldValue<T>(0);
    }

    private async Task<int> ExecuteAsync(Guid[]? tenants, string sql)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var batch = Batch(connection, tenants, sql);
        await batch.ExecuteNonQueryAsync();
        return batch.BatchCommands[^1].RecordsAffected;
    }

    private async Task OwnerAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant", TenantA);
        command.Parameters.AddWithValue("delivery", _delivery);
        await command.ExecuteNonQueryAsync();
    }
}
