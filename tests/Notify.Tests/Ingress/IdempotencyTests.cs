using Grpc.Core;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

public sealed class IdempotencyTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task Same_key_and_request_returns_the_same_ids_as_a_replay()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.AllChannels();

        var first = await tenant.SendAsync(request);
        var second = await tenant.SendAsync(request.Clone());

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.NotificationId, second.NotificationId);
        Assert.Equal(first.Deliveries.Select(d => d.DeliveryId), second.Deliveries.Select(d => d.DeliveryId));
        Assert.Equal(1, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
        Assert.Equal(5, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task Map_order_does_not_make_a_retry_look_different()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.Email();
        request.Metadata.Add("a", "1");
        request.Metadata.Add("b", "2");
        var reordered = Requests.Email(request.IdempotencyKey);
        reordered.Metadata.Add("b", "2");
        reordered.Metadata.Add("a", "1");

        var first = await tenant.SendAsync(request);
        var second = await tenant.SendAsync(reordered);

        Assert.True(second.Replayed);
        Assert.Equal(first.NotificationId, second.NotificationId);
    }

    [Fact]
    public async Task Same_key_with_a_different_request_is_refused_and_writes_nothing()
    {
        var tenant = await ingress.CreateTenantAsync();
        var original = await tenant.SendAsync(Requests.Email("order-42"));

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(Requests.Email("order-42", email: "someone.else@example.com")));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains(original.NotificationId, error.Status.Detail);
        Assert.Equal(1, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task Fifty_concurrent_identical_calls_create_exactly_one_notification()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.AllChannels();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => tenant.SendAsync(request.Clone()))));

        Assert.Single(responses.Select(r => r.NotificationId).Distinct());
        Assert.Single(responses, r => !r.Replayed);
        Assert.Equal(1, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
        Assert.Equal(5, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_tenant()
    {
        var alice = await ingress.CreateTenantAsync();
        var bob = await ingress.CreateTenantAsync();

        var a = await alice.SendAsync(Requests.Email("shared-key"));
        var b = await bob.SendAsync(Requests.Email("shared-key", email: "bob@example.com"));

        Assert.False(b.Replayed);
        Assert.NotEqual(a.NotificationId, b.NotificationId);
    }
}
