using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Admin;

/// <summary>Who gets into the admin API: the JWT, its role, and the separation from tenant API keys.</summary>
public sealed class AdminAuthenticationTests(AdminFixture ingress) : IClassFixture<AdminFixture>
{
    private AdminCredentials Credentials => ingress.AdminCredentials;

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated_and_not_audited()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("Missing admin token", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_unauthenticated()
    {
        var forged = Credentials.Token("admin", subject: "forger", signingKey: RandomNumberGenerator.GetBytes(32));

        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), Bearer(forged)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("signature", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(await ingress.AuditOfAsync("forger"));
    }

    [Fact]
    public async Task An_expired_token_is_unauthenticated()
    {
        var expired = Credentials.Token("admin", subject: "late", lifetime: TimeSpan.FromMinutes(-10));

        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), Bearer(expired)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("expired", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_replaying_is_permission_denied_and_audited_with_nothing_changed()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 2);
        var before = await ingress.SnapshotAsync(tenant.Id);
        var request = new ReplayDeadLettersRequest { Tenant = tenant.Name, DeliveryIds = { dead.Select(d => d.ToString()) }, Confirm = true, Reason = "INC-1" };

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request, role: "viewer", subject: "viewer-vic")).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("operator", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await ingress.SnapshotAsync(tenant.Id));
        Assert.Equal(["ReplayDeadLetters PERMISSION_DENIED"], await ingress.AuditOfAsync("viewer-vic"));
    }

    [Fact]
    public async Task Roles_include_the_ones_before_them()
    {
        var viewer = Credentials.Headers("viewer", "role-viewer");
        var operatorHeaders = Credentials.Headers("operator", "role-operator");
        var admin = Credentials.Headers("admin", "role-admin");

        await ingress.Admin.ListDeadLetterGroupsAsync(new ListDeadLetterGroupsRequest(), viewer);
        await ingress.Admin.ListDeadLetterGroupsAsync(new ListDeadLetterGroupsRequest(), operatorHeaders);
        await ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), admin);
        var operatorDenied = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), operatorHeaders).ResponseAsync);
        var unknownRole = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.ListAuditLogAsync(new ListAuditLogRequest(), Credentials.Headers("superuser", "role-unknown")).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, operatorDenied.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, unknownRole.StatusCode);
    }

    [Fact]
    public async Task A_tenant_api_key_does_not_open_the_admin_api_and_an_admin_token_does_not_open_the_tenant_api()
    {
        var tenant = await ingress.CreateTenantAsync();

        var keyOnAdmin = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.ListDeadLetterGroupsAsync(new ListDeadLetterGroupsRequest(), Bearer(tenant.ApiKey)).ResponseAsync);
        var tokenOnTenantApi = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Client.SendAsync(Requests.Email(), Bearer(Credentials.Token("admin"))).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, keyOnAdmin.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, tokenOnTenantApi.StatusCode);
    }

    [Fact]
    public async Task Over_http_no_token_is_401_and_a_role_too_low_is_403()
    {
        using var http = ingress.CreateHttpClient();
        using var anonymous = await http.GetAsync("/admin/v1/tenants");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/tenants");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Credentials.Token("viewer"));
        using var viewer = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
    }

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
