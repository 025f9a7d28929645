using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

/// <summary>
/// Tenant B, with its own valid key, against everything tenant A has through the tenant API:
/// notifications, templates, suppressions. B must neither see nor change any of it.
/// </summary>
public sealed class TenantIsolationTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task Another_tenant_can_neither_read_nor_cancel_a_notification()
    {
        var a = await ingress.CreateTenantAsync();
        var b = await ingress.CreateTenantAsync();
        var sent = await a.SendAsync(Requests.AllChannels());

        var read = await Assert.ThrowsAsync<RpcException>(() => b.GetAsync(sent.NotificationId));
        var cancel = await Assert.ThrowsAsync<RpcException>(() => b.CancelAsync(sent.NotificationId));

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (read.StatusCode, cancel.StatusCode));
        Assert.Equal(5, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant AND status = 'PENDING'", a.Id));
        var own = await a.GetAsync(sent.NotificationId);   // still there, untouched, for its owner
        Assert.All(own.Deliveries, d => Assert.Equal(DeliveryStatus.Pending, d.Status));
    }

    [Fact]
    public async Task The_same_idempotency_key_in_two_tenants_is_two_notifications()
    {
        var a = await ingress.CreateTenantAsync();
        var b = await ingress.CreateTenantAsync();

        var first = await a.SendAsync(Requests.Email("shared-key", email: "a@example.com"));
        // Another request under the same key: for A a conflict, for B simply its own first use.
        var second = await b.SendAsync(Requests.Email("shared-key", email: "b@example.com"));

        Assert.NotEqual(first.NotificationId, second.NotificationId);
        Assert.False(second.Replayed);
        Assert.Equal("b***@example.com", (await b.GetAsync(second.NotificationId)).Deliveries.Single().RecipientMasked);
    }

    [Fact]
    public async Task Another_tenant_cannot_read_list_or_send_with_a_template()
    {
        var a = await ingress.CreateTenantAsync();
        var b = await ingress.CreateTenantAsync();
        await a.Client.PutTemplateAsync(new PutTemplateRequest
        {
            TemplateId = "welcome", Channel = Channel.Email, Locale = "en", Subject = "Welcome", Body = "Hello from A",
        }, a.Headers);

        var get = await Assert.ThrowsAsync<RpcException>(() => b.Client.GetTemplateAsync(
            new GetTemplateRequest { TemplateId = "welcome", Channel = Channel.Email, Locale = "en" }, b.Headers).ResponseAsync);
        var list = await b.Client.ListTemplatesAsync(new ListTemplatesRequest(), b.Headers);
        var send = Requests.Email();
        send.Template = new TemplateRef { TemplateId = "welcome", Data = new() };
        var sendError = await Assert.ThrowsAsync<RpcException>(() => b.SendAsync(send));

        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Empty(list.Templates);
        Assert.Equal(["channels[0]"], Requests.ViolatedFields(sendError));
        Assert.Single((await a.Client.ListTemplatesAsync(new ListTemplatesRequest(), a.Headers)).Templates);
    }

    [Fact]
    public async Task Suppressions_are_one_tenants_own()
    {
        var a = await ingress.CreateTenantAsync();
        var b = await ingress.CreateTenantAsync();
        await a.Client.AddSuppressionAsync(new AddSuppressionRequest { Channel = Channel.Email, Address = "gone@example.com", Reason = "hard_bounce" },
            a.Headers);

        var listed = await b.Client.ListSuppressionsAsync(new ListSuppressionsRequest(), b.Headers);
        var removed = await b.Client.RemoveSuppressionAsync(new RemoveSuppressionRequest { Channel = Channel.Email, Address = "gone@example.com" },
            b.Headers);
        var bSend = await b.SendAsync(Requests.Email(email: "gone@example.com"));
        var aSend = await a.SendAsync(Requests.Email(email: "gone@example.com"));

        Assert.Empty(listed.Suppressions);
        Assert.False(removed.Removed);
        Assert.Equal(DeliveryStatus.Pending, bSend.Deliveries[0].Status);   // A's list does not stop B's mail
        Assert.Equal(DeliveryStatus.Skipped, aSend.Deliveries[0].Status);   // and B's remove did not touch A's list
        Assert.Single((await a.Client.ListSuppressionsAsync(new ListSuppressionsRequest(), a.Headers)).Suppressions);
    }

    [Fact]
    public async Task A_batch_and_concurrent_sends_of_many_tenants_each_land_in_their_own_tenant()
    {
        // Concurrent Sends share group commits: one transaction scoped to several tenants at once.
        var tenants = new List<TestTenant>();
        for (var i = 0; i < 6; i++)
        {
            tenants.Add(await ingress.CreateTenantAsync());
        }

        var sends = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var tenant = tenants[i % tenants.Count];
            return (Tenant: tenant, Response: await tenant.SendAsync(Requests.Email(email: $"user{i}@example.com")));
        }));

        foreach (var (tenant, response) in sends)
        {
            Assert.Equal(DeliveryStatus.Pending, (await tenant.GetAsync(response.NotificationId)).Deliveries.Single().Status);
            var other = tenants.First(t => t != tenant);
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => other.GetAsync(response.NotificationId))).StatusCode);
        }
        foreach (var tenant in tenants)
        {
            Assert.Equal(10, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
        }
    }
}
