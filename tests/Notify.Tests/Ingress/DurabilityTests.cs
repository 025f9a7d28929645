using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

public sealed class DurabilityTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task Accepted_notifications_survive_an_ingress_restart()
    {
        var tenant = await ingress.CreateTenantAsync();
        var sent = await tenant.SendAsync(Requests.AllChannels());

        await ingress.RestartAsync();
        var after = tenant with { Client = ingress.Client };

        var notification = await after.GetAsync(sent.NotificationId);
        Assert.Equal(5, notification.Deliveries.Count);
        Assert.All(notification.Deliveries, d => Assert.Equal(DeliveryStatus.Pending, d.Status));
        var replay = await after.SendAsync(Requests.AllChannels(sent.Deliveries.Count > 0 ? notification.IdempotencyKey : ""));
        Assert.True(replay.Replayed);
    }
}
