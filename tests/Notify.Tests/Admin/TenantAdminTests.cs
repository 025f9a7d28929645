using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Admin;

/// <summary>Tenants and key rotation: what a created or rotated key can do with the tenant API.</summary>
public sealed class TenantAdminTests(AdminFixture ingress) : IClassFixture<AdminFixture>
{
    private Metadata Admin => ingress.AdminCredentials.Headers("admin", "tenant-admin");

    [Fact]
    public async Task A_created_tenant_sends_with_its_new_key_and_a_second_create_is_already_exists()
    {
        var name = "acme-" + Guid.NewGuid().ToString("N")[..8];

        var created = await ingress.Admin.CreateTenantAsync(new CreateTenantRequest { Name = name }, Admin);
        var again = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.CreateTenantAsync(new CreateTenantRequest { Name = name }, Admin).ResponseAsync);
        var sent = await Client(created.ApiKey).SendAsync(Requests.Email());

        Assert.Equal(name, created.TenantName);
        Assert.StartsWith(created.KeyPrefix, created.ApiKey, StringComparison.Ordinal);
        Assert.Single(sent.Deliveries);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.Equal(1, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", Guid.Parse(created.TenantId)));
    }

    [Fact]
    public async Task After_a_rotation_the_old_key_works_within_the_grace_period_and_both_keys_are_listed()
    {
        var tenant = await ingress.CreateTenantAsync();
        await tenant.SendAsync(Requests.Email());

        var rotated = await ingress.Admin.RotateTenantKeyAsync(
            new RotateTenantKeyRequest { Tenant = tenant.Id.ToString(), GracePeriod = Duration.FromTimeSpan(TimeSpan.FromHours(1)) }, Admin);
        await tenant.SendAsync(Requests.Email());
        await Client(rotated.ApiKey).SendAsync(Requests.Email());
        var listed = (await ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), Admin)).Tenants.Single(t => t.Name == tenant.Name);

        Assert.InRange(rotated.PreviousKeysExpireAt.ToDateTime(), DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.AddMinutes(61));
        Assert.Equal([tenant.ApiKey[..8], rotated.KeyPrefix], listed.ActiveKeyPrefixes);
    }

    [Fact]
    public async Task A_zero_grace_rotation_stops_the_old_key_at_once()
    {
        var tenant = await ingress.CreateTenantAsync();
        await tenant.SendAsync(Requests.Email());   // the key is now in the ingress's cache

        var rotated = await ingress.Admin.RotateTenantKeyAsync(
            new RotateTenantKeyRequest { Tenant = tenant.Name, GracePeriod = new Duration() }, Admin);
        var old = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(Requests.Email()));
        await Client(rotated.ApiKey).SendAsync(Requests.Email());

        Assert.Equal(StatusCode.Unauthenticated, old.StatusCode);
        var listed = (await ingress.Admin.ListTenantsAsync(new ListTenantsRequest(), Admin)).Tenants.Single(t => t.Name == tenant.Name);
        Assert.Equal([rotated.KeyPrefix], listed.ActiveKeyPrefixes);
    }

    [Fact]
    public async Task Bad_tenant_requests_name_the_field_and_an_unknown_tenant_is_not_found()
    {
        var badName = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.CreateTenantAsync(new CreateTenantRequest { Name = "no spaces please" }, Admin).ResponseAsync);
        var uuidName = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.CreateTenantAsync(new CreateTenantRequest { Name = Guid.NewGuid().ToString() }, Admin).ResponseAsync);
        var negativeGrace = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.RotateTenantKeyAsync(
            new RotateTenantKeyRequest { Tenant = "whoever", GracePeriod = Duration.FromTimeSpan(TimeSpan.FromMinutes(-1)) }, Admin).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.RotateTenantKeyAsync(new RotateTenantKeyRequest { Tenant = "no-such-tenant" }, Admin).ResponseAsync);
        var operatorDenied = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.CreateTenantAsync(
            new CreateTenantRequest { Name = "sneaky" }, ingress.AdminCredentials.Headers("operator")).ResponseAsync);

        Assert.Equal(["name"], Requests.ViolatedFields(badName));
        Assert.Equal(["name"], Requests.ViolatedFields(uuidName));
        Assert.Equal(["grace_period"], Requests.ViolatedFields(negativeGrace));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, operatorDenied.StatusCode);
    }

    [Fact]
    public async Task Over_http_a_tenant_is_created_with_a_post_and_listed_with_a_get()
    {
        using var http = ingress.CreateHttpClient();
        var name = "http-" + Guid.NewGuid().ToString("N")[..8];
        using var create = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/tenants")
        {
            Content = new StringContent($$"""{"name":"{{name}}"}""", Encoding.UTF8, "application/json"),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ingress.AdminCredentials.Token("admin"));
        using var list = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/tenants");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ingress.AdminCredentials.Token("admin"));

        using var created = await http.SendAsync(create);
        using var createdBody = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        using var listed = await http.SendAsync(list);
        using var listedBody = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.StartsWith("nfy_", createdBody.RootElement.GetProperty("apiKey").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Contains(listedBody.RootElement.GetProperty("tenants").EnumerateArray(), t => t.GetProperty("name").GetString() == name);
    }

    private TestTenant Client(string apiKey) => new(Guid.Empty, "", apiKey, ingress.Client);
}
