using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Admin;

/// <summary>notify.audit_log: one entry per authenticated admin call, refusals included, never a secret.</summary>
public sealed class AuditLogTests(AdminFixture ingress) : IClassFixture<AdminFixture>
{
    [Fact]
    public async Task Every_authenticated_call_is_recorded_once_with_its_outcome_and_unauthenticated_ones_are_not()
    {
        var credentials = ingress.AdminCredentials;
        var tenant = await ingress.CreateTenantAsync();
        await ingress.SeedDeadLettersAsync(tenant, 1);
        var replay = new ReplayDeadLettersRequest { Tenant = tenant.Name, Filter = new DeadLetterFilter(), Reason = "INC-audit", ReplayKey = "audit-key-1" };

        await ingress.Admin.ListDeadLetterGroupsAsync(new ListDeadLetterGroupsRequest(), credentials.Headers("operator", "auditee"));
        await ingress.Admin.ReplayDeadLettersAsync(replay, credentials.ReplayHeaders(replay, subject: "auditee"));
        await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.PauseChannelAsync(
            new ChannelControlRequest { Channel = "email" }, credentials.Headers("operator", "auditee")).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.CreateTenantAsync(
            new CreateTenantRequest { Name = "not-allowed" }, credentials.Headers("operator", "auditee")).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ListTenantsAsync(new ListTenantsRequest(),
            new Metadata { { "authorization", "Bearer " + credentials.Token("admin", "auditee", lifetime: TimeSpan.FromMinutes(-5)) } }).ResponseAsync);

        Assert.Equal(["ListDeadLetterGroups OK", "ReplayDeadLetters OK", "PauseChannel INVALID_ARGUMENT", "CreateTenant PERMISSION_DENIED"],
            await ingress.AuditOfAsync("auditee"));
        var entries = (await ingress.Admin.ListAuditLogAsync(new ListAuditLogRequest { Action = "ReplayDeadLetters", Limit = 1000 },
            credentials.Headers("viewer"))).Entries;
        var entry = entries.First(e => e.Actor == "auditee");
        Assert.Equal(("operator", tenant.Id.ToString(), "OK"), (entry.Role, entry.TenantId, entry.Outcome));
        Assert.False(string.IsNullOrEmpty(entry.ClientAddress));
        Assert.Contains("dry_run=true", entry.Detail, StringComparison.Ordinal);
        Assert.Contains("key=audit-key-1", entry.Detail, StringComparison.Ordinal);
        Assert.Contains("count=1", entry.Detail, StringComparison.Ordinal);
        Assert.All(entries, e => Assert.Equal("ReplayDeadLetters", e.Action));
    }

    [Fact]
    public async Task A_created_key_is_in_the_answer_only_never_in_the_audit_log()
    {
        var created = await ingress.Admin.CreateTenantAsync(new CreateTenantRequest { Name = "secretive-" + Guid.NewGuid().ToString("N")[..6] },
            ingress.AdminCredentials.Headers("admin", "key-maker"));

        var entries = (await ingress.Admin.ListAuditLogAsync(new ListAuditLogRequest { Limit = 1000 }, ingress.AdminCredentials.Headers("viewer"))).Entries;

        var entry = entries.Single(e => e.Actor == "key-maker");
        Assert.Equal(("CreateTenant", created.TenantId), (entry.Action, entry.TenantId));
        Assert.Contains(created.KeyPrefix, entry.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(created.ApiKey, entry.Detail, StringComparison.Ordinal);
        Assert.True(entries.Zip(entries.Skip(1)).All(pair => pair.First.Id > pair.Second.Id), "newest first");
    }

    [Fact]
    public async Task The_audit_log_refuses_updates_and_deletes()
    {
        await ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), ingress.AdminCredentials.Headers("admin", "immutable"));

        var update = await Assert.ThrowsAsync<PostgresException>(() =>
            ingress.Database.CreateCommand("UPDATE notify.audit_log SET outcome = 'OK' WHERE actor = 'immutable'").ExecuteNonQueryAsync());
        var delete = await Assert.ThrowsAsync<PostgresException>(() =>
            ingress.Database.CreateCommand("DELETE FROM notify.audit_log WHERE actor = 'immutable'").ExecuteNonQueryAsync());

        Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.MessageText, StringComparison.Ordinal);
        Assert.Equal(["ListTenants OK"], await ingress.AuditOfAsync("immutable"));
    }

    [Fact]
    public async Task Bad_audit_queries_name_the_field()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ListAuditLogAsync(
            new ListAuditLogRequest { Limit = 1001, Action = "DropTables" }, ingress.AdminCredentials.Headers("viewer")).ResponseAsync);

        Assert.Equal(["limit", "action"], Requests.ViolatedFields(error));
    }
}
