using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Admin;

/// <summary>
/// Admin tokens with a <c>tenant</c> claim: an operator of one tenant lists, shows, counts and
/// replays that tenant's dead letters only, and cannot reach the calls that act on every tenant.
/// </summary>
public sealed class TenantScopedAdminTests(AdminFixture ingress) : IClassFixture<AdminFixture>
{
    private AdminCredentials Credentials => ingress.AdminCredentials;

    [Fact]
    public async Task A_tenant_scoped_viewer_lists_shows_and_counts_only_its_tenants_dead_letters()
    {
        var own = await ingress.CreateTenantAsync();
        var other = await ingress.CreateTenantAsync();
        var ownDead = await ingress.SeedDeadLettersAsync(own, 2);
        var otherDead = await ingress.SeedDeadLettersAsync(other, 3);
        var scoped = Credentials.Headers("viewer", "tenant-viewer", tenant: own.Name);

        var groups = await ingress.Admin.ListDeadLetterGroupsAsync(new ListDeadLetterGroupsRequest(), scoped);
        var shown = await ingress.Admin.GetDeadLetterAsync(new GetDeadLetterRequest { DeliveryId = ownDead[0].ToString() }, scoped);
        var hidden = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.GetDeadLetterAsync(new GetDeadLetterRequest { DeliveryId = otherDead[0].ToString() }, scoped).ResponseAsync);
        var status = await ingress.Admin.GetStatusAsync(new GetStatusRequest(), scoped);
        var everyone = await ingress.Admin.GetStatusAsync(new GetStatusRequest(), Credentials.Headers("viewer"));

        Assert.Equal(2, groups.Total);
        Assert.Equal(own.Id.ToString(), shown.TenantId);
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
        Assert.Equal((2L, 0L), (status.Channels.Single(c => c.Channel == "email").Dead, status.Channels.Single(c => c.Channel == "email").Pending));
        Assert.True(everyone.Channels.Single(c => c.Channel == "email").Dead >= 5);
    }

    [Fact]
    public async Task A_tenant_scoped_token_naming_another_tenant_is_refused_whether_it_exists_or_not()
    {
        var own = await ingress.CreateTenantAsync();
        var other = await ingress.CreateTenantAsync();
        var scoped = Credentials.Headers("viewer", "tenant-viewer", tenant: own.Id.ToString());

        foreach (var name in new[] { other.Name, other.Id.ToString(), "no-such-tenant" })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ListDeadLetterGroupsAsync(
                new ListDeadLetterGroupsRequest { Filter = new DeadLetterFilter { Tenant = name } }, scoped).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        }
        var ownByName = await ingress.Admin.ListDeadLetterGroupsAsync(
            new ListDeadLetterGroupsRequest { Filter = new DeadLetterFilter { Tenant = own.Name } }, scoped);
        Assert.Equal(0, ownByName.Total);
    }

    [Fact]
    public async Task A_tenant_scoped_operator_replays_its_own_dead_letters_and_never_another_tenants()
    {
        var own = await ingress.CreateTenantAsync();
        var other = await ingress.CreateTenantAsync();
        var ownDead = await ingress.SeedDeadLettersAsync(own, 2);
        var otherDead = await ingress.SeedDeadLettersAsync(other, 2);
        var otherBefore = await ingress.SnapshotAsync(other.Id);

        var namingOther = Replay(other.Name, otherDead);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ReplayDeadLettersAsync(namingOther,
            Credentials.ReplayHeaders(namingOther, subject: "tenant-operator", tenant: own.Name)).ResponseAsync);
        // The other tenant's ids under the token's own tenant: not this tenant's, so not touched.
        var smuggled = Replay("", otherDead);
        var none = await ingress.Admin.ReplayDeadLettersAsync(smuggled,
            Credentials.ReplayHeaders(smuggled, subject: "tenant-operator", tenant: own.Name));
        var mine = Replay("", ownDead);
        var replayed = await ingress.Admin.ReplayDeadLettersAsync(mine,
            Credentials.ReplayHeaders(mine, subject: "tenant-operator", tenant: own.Name));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal(0, none.Count);
        Assert.Equal(otherBefore, await ingress.SnapshotAsync(other.Id));
        Assert.Equal(2, replayed.Count);
        Assert.Equal(2, await ingress.CountStatusAsync(own.Id, "RETRYING"));
    }

    [Fact]
    public async Task A_tenant_scoped_token_cannot_call_what_concerns_every_tenant()
    {
        var own = await ingress.CreateTenantAsync();
        var scoped = Credentials.Headers("admin", "tenant-admin", tenant: own.Name);
        var unknownTenant = Credentials.Headers("viewer", "ghost-viewer", tenant: "no-such-tenant");

        var calls = new Func<Task>[]
        {
            () => ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), scoped).ResponseAsync,
            () => ingress.Admin.ListAuditLogAsync(new ListAuditLogRequest(), scoped).ResponseAsync,
            () => ingress.Admin.ListChannelControlsAsync(new ListChannelControlsRequest(), scoped).ResponseAsync,
            () => ingress.Admin.PauseChannelAsync(new ChannelControlRequest { Channel = "sms", Reason = "INC-1" }, scoped).ResponseAsync,
            () => ingress.Admin.GetStatusAsync(new GetStatusRequest(), unknownTenant).ResponseAsync,
        };
        foreach (var call in calls)
        {
            Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);
        }
        Assert.Equal(0, await ingress.CountAsync("SELECT count(*) FROM notify.channel_controls WHERE @tenant IS NOT NULL", own.Id));
        Assert.Equal(["ListTenants PERMISSION_DENIED", "ListAuditLog PERMISSION_DENIED", "ListChannelControls PERMISSION_DENIED",
            "PauseChannel PERMISSION_DENIED"], await ingress.AuditOfAsync("tenant-admin"));
    }

    private static ReplayDeadLettersRequest Replay(string tenant, IEnumerable<Guid> ids)
    {
        var request = new ReplayDeadLettersRequest { Tenant = tenant, Confirm = true, Reason = "INC-7 tenant operator" };
        request.DeliveryIds.AddRange(ids.Select(id => id.ToString()));
        return request;
    }
}
