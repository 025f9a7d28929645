using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Ingress;

public sealed class NotificationLifecycleTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task Get_returns_every_delivery_with_its_status_and_the_callers_data()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.AllChannels();
        request.CorrelationId = "checkout-7";
        request.Metadata["order"] = "42";
        request.Priority = Priority.Bulk;
        var sent = await tenant.SendAsync(request);

        var notification = await tenant.GetAsync(sent.NotificationId);

        Assert.Equal(request.IdempotencyKey, notification.IdempotencyKey);
        Assert.Equal("checkout-7", notification.CorrelationId);
        Assert.Equal("42", notification.Metadata["order"]);
        Assert.Equal(Priority.Bulk, notification.Priority);
        Assert.Equal([Channel.Email, Channel.Sms, Channel.Whatsapp, Channel.Webhook, Channel.Push], notification.Deliveries.Select(d => d.Channel));
        Assert.All(notification.Deliveries, d =>
        {
            Assert.Equal(DeliveryStatus.Pending, d.Status);
            Assert.Equal(0, d.AttemptCount);
            Assert.True(d.MaxAttempts > 1);
            Assert.NotNull(d.CreatedAt);
        });
        Assert.Equal("+141******23", notification.Deliveries[1].RecipientMasked);
    }

    [Fact]
    public async Task Cancel_stops_pending_deliveries_and_leaves_claimed_ones()
    {
        var tenant = await ingress.CreateTenantAsync();
        var sent = await tenant.SendAsync(Requests.AllChannels());
        // A worker has claimed the email delivery already.
        await using (var claim = ingress.Database.CreateCommand("UPDATE notify.deliveries SET status = 'SENDING' WHERE id = @id"))
        {
            claim.Parameters.AddWithValue("id", Guid.Parse(sent.Deliveries[0].DeliveryId));
            await claim.ExecuteNonQueryAsync();
        }

        var cancelled = await tenant.CancelAsync(sent.NotificationId);

        Assert.Equal(4, cancelled.CancelledCount);
        Assert.Equal(DeliveryStatus.Sending, cancelled.Deliveries[0].Status);
        Assert.All(cancelled.Deliveries.Skip(1), d => Assert.Equal(DeliveryStatus.Cancelled, d.Status));
        Assert.Equal(0, (await tenant.CancelAsync(sent.NotificationId)).CancelledCount);
    }

    [Theory]
    [InlineData("not-a-uuid", StatusCode.InvalidArgument)]
    [InlineData("01900000-0000-7000-8000-000000000000", StatusCode.NotFound)]
    public async Task Unknown_or_malformed_ids_are_precise_errors(string id, StatusCode expected)
    {
        var tenant = await ingress.CreateTenantAsync();

        var get = await Assert.ThrowsAsync<RpcException>(() => tenant.GetAsync(id));
        var cancel = await Assert.ThrowsAsync<RpcException>(() => tenant.CancelAsync(id));

        Assert.Equal(expected, get.StatusCode);
        Assert.Equal(expected, cancel.StatusCode);
    }

    [Fact]
    public async Task Suppressed_addresses_become_skipped_with_the_reason()
    {
        var tenant = await ingress.CreateTenantAsync();
        await using (var suppress = ingress.Database.CreateCommand(
            "INSERT INTO notify.suppressions (tenant_id, channel, address, reason) VALUES (@tenant, 'email', 'grace@example.com', 'hard_bounce')"))
        {
            suppress.Parameters.AddWithValue("tenant", tenant.Id);
            await suppress.ExecuteNonQueryAsync();
        }
        var request = Requests.AllChannels();
        request.Recipient.Email = "GRACE@example.com";

        var sent = await tenant.SendAsync(request);

        Assert.Equal(DeliveryStatus.Skipped, sent.Deliveries[0].Status);
        Assert.Equal("suppressed:hard_bounce", sent.Deliveries[0].SkipReason);
        Assert.All(sent.Deliveries.Skip(1), d => Assert.Equal(DeliveryStatus.Pending, d.Status));
        var stored = await tenant.GetAsync(sent.NotificationId);
        Assert.Equal(DeliveryStatus.Skipped, stored.Deliveries[0].Status);
    }

    [Fact]
    public async Task Send_at_and_expiry_are_stored_on_the_deliveries()
    {
        var tenant = await ingress.CreateTenantAsync();
        var sendAt = DateTime.UtcNow.AddHours(1);
        var request = Requests.Email();
        request.SendAt = Timestamp.FromDateTime(sendAt);
        request.ExpiresAt = Timestamp.FromDateTime(sendAt.AddHours(1));

        var sent = await tenant.SendAsync(request);
        var delivery = (await tenant.GetAsync(sent.NotificationId)).Deliveries[0];

        Assert.InRange((delivery.NextAttemptAt.ToDateTime() - sendAt).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task A_commit_wakes_the_channels_workers()
    {
        var tenant = await ingress.CreateTenantAsync();
        await using var listener = new NpgsqlConnection(ingress.ConnectionString);
        await listener.OpenAsync();
        var woken = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) => woken.TrySetResult(e.Channel);
        await using (var listen = new NpgsqlCommand("LISTEN notify_sms", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }
        var request = Requests.AllChannels();
        request.Channels.Clear();
        request.Channels.Add(Channel.Sms);

        await tenant.SendAsync(request);
        await listener.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("notify_sms", await woken.Task.WaitAsync(TimeSpan.FromSeconds(1)));
    }
}
