using Microsoft.AspNetCore.Hosting;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Admin;

/// <summary>
/// The in-process ingress for admin API tests, with its retention schedule off: a scheduled
/// cleanup must not delete what a test seeded for its own <c>RunCleanup</c>.
/// </summary>
public sealed class AdminFixture(InfrastructureFixture infrastructure) : IngressFixture(infrastructure)
{
    protected override void Configure(IWebHostBuilder host) => host.UseSetting("Notify:Retention:Enabled", "false");

    /// <summary>
    /// Sends <paramref name="count"/> emails for the tenant through the tenant API, then kills their
    /// deliveries by SQL (as a worker that exhausted its attempts would leave them). Returns the delivery ids.
    /// </summary>
    public async Task<Guid[]> SeedDeadLettersAsync(TestTenant tenant, int count, string errorCode = "550")
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var sent = await tenant.SendAsync(Requests.Email(email: $"user{i}@example.com"));
            ids.Add(Guid.Parse(sent.Deliveries.Single().DeliveryId));
        }
        await using var command = Database.CreateCommand("""
            UPDATE notify.deliveries
            SET status = 'DEAD', attempt_count = 1, last_error_code = @code, last_error_message = 'mailbox unavailable',
                updated_at = now()
            WHERE id = ANY(@ids)
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("code", errorCode));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. ids]));
        Assert.Equal(count, await command.ExecuteNonQueryAsync());
        return [.. ids];
    }

    /// <summary>The tenant's deliveries (id, status, attempts, max attempts) and replay runs: equal snapshots mean nothing changed.</summary>
    public async Task<string> SnapshotAsync(Guid tenantId)
    {
        await using var command = Database.CreateCommand("""
            SELECT coalesce(string_agg(id || ':' || status || ':' || attempt_count || ':' || max_attempts || ':' || next_attempt_at, ',' ORDER BY id), '')
                   || '|runs=' || (SELECT count(*) FROM notify.replay_runs WHERE tenant_id = @tenant)
            FROM notify.deliveries WHERE tenant_id = @tenant
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public Task<long> CountStatusAsync(Guid tenantId, string status)
        => CountAsync($"SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant AND status = '{status}'", tenantId);

    /// <summary>The audit entries of one actor, oldest first, as "Action OUTCOME".</summary>
    public async Task<IReadOnlyList<string>> AuditOfAsync(string actor)
    {
        await using var command = Database.CreateCommand("SELECT action || ' ' || outcome FROM notify.audit_log WHERE actor = @actor ORDER BY id");
        command.Parameters.AddWithValue("actor", actor);
        var entries = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(reader.GetString(0));
        }
        return entries;
    }
}
