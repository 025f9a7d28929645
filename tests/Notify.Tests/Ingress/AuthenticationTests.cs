using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

public sealed class AuthenticationTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    private const string NoHeader = "(no header)";

    public static TheoryData<string> BadAuthorization => new()
    {
        NoHeader,
        "",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "Bearer nfy_this-key-was-never-issued-to-anyone-at-all",
        "Bearer not-even-a-notify-key",
    };

    [Theory]
    [MemberData(nameof(BadAuthorization))]
    public async Task Calls_without_a_valid_key_are_unauthenticated_and_write_nothing(string authorization)
    {
        var headers = new Metadata();
        if (authorization != NoHeader)
        {
            headers.Add("authorization", authorization);
        }
        var before = await CountAllAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Client.SendAsync(Requests.Email(), headers).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(before, await CountAllAsync());
    }

    [Fact]
    public async Task Revoked_key_stops_working_once_the_cache_expires()
    {
        var tenant = await ingress.CreateTenantAsync();
        await using (var revoke = ingress.Database.CreateCommand("UPDATE notify.api_keys SET revoked_at = now() WHERE tenant_id = @tenant"))
        {
            revoke.Parameters.AddWithValue("tenant", tenant.Id);
            await revoke.ExecuteNonQueryAsync();
        }

        // This key was never used, so nothing is cached: the revocation applies at once.
        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(Requests.Email()));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Api_keys_are_stored_only_as_hashes()
    {
        var tenant = await ingress.CreateTenantAsync();

        await using var command = ingress.Database.CreateCommand(
            "SELECT count(*) FROM notify.api_keys WHERE tenant_id = @tenant AND position(convert_to(@key, 'UTF8') in key_hash) = 0 AND key_hash = sha256(convert_to(@key, 'UTF8'))");
        command.Parameters.AddWithValue("tenant", tenant.Id);
        command.Parameters.AddWithValue("key", tenant.ApiKey);

        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_tenant_cannot_read_or_cancel_another_tenants_notification()
    {
        var alice = await ingress.CreateTenantAsync();
        var bob = await ingress.CreateTenantAsync();
        var sent = await alice.SendAsync(Requests.Email());

        var read = await Assert.ThrowsAsync<RpcException>(() => bob.GetAsync(sent.NotificationId));
        var cancel = await Assert.ThrowsAsync<RpcException>(() => bob.CancelAsync(sent.NotificationId));

        Assert.Equal(StatusCode.NotFound, read.StatusCode);
        Assert.Equal(StatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(DeliveryStatus.Pending, (await alice.GetAsync(sent.NotificationId)).Deliveries[0].Status);
    }

    private Task<long> CountAllAsync() => ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE @tenant IS NOT NULL", Guid.Empty);
}
