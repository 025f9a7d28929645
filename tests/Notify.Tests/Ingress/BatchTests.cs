using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

public sealed class BatchTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task A_bad_item_rejects_only_itself()
    {
        var tenant = await ingress.CreateTenantAsync();
        var batch = new SendBatchRequest();
        batch.Notifications.Add(Requests.Email());
        batch.Notifications.Add(Requests.Email(email: "not-an-address"));
        batch.Notifications.Add(Requests.AllChannels());

        var response = await tenant.SendBatchAsync(batch);

        Assert.Equal(2, response.AcceptedCount);
        Assert.Equal(1, response.RejectedCount);
        Assert.Equal([0, 1, 2], response.Results.Select(r => r.Index));
        var rejected = response.Results[1];
        Assert.Equal((int)StatusCode.InvalidArgument, rejected.Error.Code);
        Assert.Equal("recipient.email", Assert.Single(rejected.Error.Fields).Field);
        Assert.Equal(2, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
        Assert.Equal(6, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task Repeated_key_inside_a_batch_is_a_replay_or_a_conflict()
    {
        var tenant = await ingress.CreateTenantAsync();
        var batch = new SendBatchRequest();
        batch.Notifications.Add(Requests.Email("dup"));
        batch.Notifications.Add(Requests.Email("dup"));
        batch.Notifications.Add(Requests.Email("dup", email: "other@example.com"));

        var response = await tenant.SendBatchAsync(batch);

        Assert.False(response.Results[0].Accepted.Replayed);
        Assert.True(response.Results[1].Accepted.Replayed);
        Assert.Equal(response.Results[0].Accepted.NotificationId, response.Results[1].Accepted.NotificationId);
        Assert.Equal((int)StatusCode.AlreadyExists, response.Results[2].Error.Code);
        Assert.Equal(1, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task Keys_sent_before_are_settled_in_a_batch_that_also_writes_new_ones()
    {
        var tenant = await ingress.CreateTenantAsync();
        var earlier = await tenant.SendAsync(Requests.Email("earlier"));
        await tenant.SendAsync(Requests.Email("taken"));
        var batch = new SendBatchRequest();
        batch.Notifications.Add(Requests.Email("new-1"));
        batch.Notifications.Add(Requests.Email("earlier"));
        batch.Notifications.Add(Requests.Email("taken", email: "other@example.com"));
        batch.Notifications.Add(Requests.AllChannels("new-2"));

        var response = await tenant.SendBatchAsync(batch);

        Assert.False(response.Results[0].Accepted.Replayed);
        Assert.True(response.Results[1].Accepted.Replayed);
        Assert.Equal(earlier.NotificationId, response.Results[1].Accepted.NotificationId);
        Assert.Equal((int)StatusCode.AlreadyExists, response.Results[2].Error.Code);
        Assert.False(response.Results[3].Accepted.Replayed);
        Assert.Equal(4, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
        // One each for the two earlier calls, then one for new-1 and five for new-2 (every channel).
        Assert.Equal(8, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant AND status = 'PENDING'", tenant.Id));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task Batch_size_outside_1_to_1000_is_refused_whole(int size)
    {
        var tenant = await ingress.CreateTenantAsync();
        var batch = new SendBatchRequest();
        for (var i = 0; i < size; i++)
        {
            batch.Notifications.Add(Requests.Email());
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendBatchAsync(batch));

        Assert.Equal(["notifications"], Requests.ViolatedFields(error));
        Assert.Equal(0, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task A_full_batch_of_1000_is_committed_together()
    {
        var tenant = await ingress.CreateTenantAsync();
        var batch = new SendBatchRequest();
        for (var i = 0; i < 1000; i++)
        {
            batch.Notifications.Add(Requests.Email(email: $"user{i}@example.com"));
        }

        var response = await tenant.SendBatchAsync(batch);

        Assert.Equal(1000, response.AcceptedCount);
        Assert.Equal(1000, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant AND status = 'PENDING'", tenant.Id));
    }
}
