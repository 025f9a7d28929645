using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

/// <summary>The tenant's suppression list through the gRPC API: what it lists, and what it does to the next send.</summary>
public sealed class SuppressionApiTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task An_added_address_is_listed_and_skips_the_next_send_until_it_is_removed()
    {
        var tenant = await ingress.CreateTenantAsync();

        var added = await AddAsync(tenant, Channel.Email, "Grace@Example.com", "customer_request");
        var suppressed = await tenant.SendAsync(Requests.Email(email: "grace@example.com"));
        var removed = await RemoveAsync(tenant, Channel.Email, "GRACE@example.com");
        var again = await tenant.SendAsync(Requests.Email(email: "grace@example.com"));

        Assert.Equal(("grace@example.com", "customer_request", "api"), (added.Address, added.Reason, added.Source));
        Assert.Equal(DeliveryStatus.Skipped, suppressed.Deliveries[0].Status);
        Assert.Equal("suppressed:customer_request", suppressed.Deliveries[0].SkipReason);
        Assert.True(removed.Removed);
        Assert.Equal(DeliveryStatus.Pending, again.Deliveries[0].Status);
        Assert.Empty((await ListAsync(tenant, new ListSuppressionsRequest())).Suppressions);
    }

    [Fact]
    public async Task A_marketing_opt_out_skips_bulk_sends_only()
    {
        var tenant = await ingress.CreateTenantAsync();
        await AddAsync(tenant, Channel.Whatsapp, "+14155550123", "marketing_opt_out");

        var transactional = await tenant.SendAsync(WhatsApp("+14155550123", Priority.Transactional));
        var bulk = await tenant.SendAsync(WhatsApp("+14155550123", Priority.Bulk));

        Assert.Equal(DeliveryStatus.Pending, transactional.Deliveries[0].Status);
        Assert.Equal((DeliveryStatus.Skipped, "suppressed:marketing_opt_out"), (bulk.Deliveries[0].Status, bulk.Deliveries[0].SkipReason));
    }

    private static SendRequest WhatsApp(string number, Priority priority) => new()
    {
        IdempotencyKey = Requests.NewKey(),
        Recipient = new Recipient { Whatsapp = number },
        Channels = { Channel.Whatsapp },
        Priority = priority,
        Content = new Content { Whatsapp = new WhatsAppContent { Text = "Hello" } },
    };

    [Fact]
    public async Task Adding_twice_keeps_the_first_reason_and_removing_an_absent_address_is_not_an_error()
    {
        var tenant = await ingress.CreateTenantAsync();

        await AddAsync(tenant, Channel.Sms, "+14155550123", "stop");
        var second = await AddAsync(tenant, Channel.Sms, "+14155550123", "manual");
        var absent = await RemoveAsync(tenant, Channel.Sms, "+14155550124");

        Assert.Equal("stop", second.Reason);
        Assert.False(absent.Removed);
    }

    [Fact]
    public async Task The_list_pages_in_channel_and_address_order_filters_by_channel_and_shows_only_the_callers_entries()
    {
        var tenant = await ingress.CreateTenantAsync();
        var other = await ingress.CreateTenantAsync();
        await AddAsync(other, Channel.Email, "someone@example.com", "");
        await AddAsync(tenant, Channel.Sms, "+14155550123", "");
        await AddAsync(tenant, Channel.Email, "b@example.com", "");
        await AddAsync(tenant, Channel.Email, "a@example.com", "");

        var first = await ListAsync(tenant, new ListSuppressionsRequest { PageSize = 2 });
        var second = await ListAsync(tenant, new ListSuppressionsRequest { PageSize = 2, PageToken = first.NextPageToken });
        var sms = await ListAsync(tenant, new ListSuppressionsRequest { Channel = Channel.Sms });

        Assert.Equal(["a@example.com", "b@example.com"], first.Suppressions.Select(s => s.Address));
        Assert.Equal(["+14155550123"], second.Suppressions.Select(s => s.Address));
        Assert.Equal("", second.NextPageToken);
        Assert.Equal([Channel.Sms], sms.Suppressions.Select(s => s.Channel));
    }

    [Fact]
    public async Task A_bad_address_channel_or_reason_names_the_field_and_writes_nothing()
    {
        var tenant = await ingress.CreateTenantAsync();

        var badEmail = await Assert.ThrowsAsync<RpcException>(() => AddAsync(tenant, Channel.Email, "not-an-address", ""));
        var badPhone = await Assert.ThrowsAsync<RpcException>(() => AddAsync(tenant, Channel.Whatsapp, "0044 20 7946 0000", ""));
        var noChannel = await Assert.ThrowsAsync<RpcException>(() => AddAsync(tenant, Channel.Unspecified, "a@example.com", ""));
        var badReason = await Assert.ThrowsAsync<RpcException>(() => AddAsync(tenant, Channel.Email, "a@example.com", "Not Allowed!"));
        var badToken = await Assert.ThrowsAsync<RpcException>(() => ListAsync(tenant, new ListSuppressionsRequest { PageToken = "garbage" }));

        Assert.All([badEmail, badPhone, noChannel, badReason, badToken], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Equal(["address"], Requests.ViolatedFields(badEmail));
        Assert.Equal(["address"], Requests.ViolatedFields(badPhone));
        Assert.Equal(["channel"], Requests.ViolatedFields(noChannel));
        Assert.Equal(["reason"], Requests.ViolatedFields(badReason));
        Assert.Equal(["page_token"], Requests.ViolatedFields(badToken));
        Assert.DoesNotContain("not-an-address", badEmail.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await ingress.CountAsync("SELECT count(*) FROM notify.suppressions WHERE tenant_id = @tenant", tenant.Id));
    }

    private static Task<Suppression> AddAsync(TestTenant tenant, Channel channel, string address, string reason)
        => tenant.Client.AddSuppressionAsync(new AddSuppressionRequest { Channel = channel, Address = address, Reason = reason }, tenant.Headers).ResponseAsync;

    private static Task<RemoveSuppressionResponse> RemoveAsync(TestTenant tenant, Channel channel, string address)
        => tenant.Client.RemoveSuppressionAsync(new RemoveSuppressionRequest { Channel = channel, Address = address }, tenant.Headers).ResponseAsync;

    private static Task<ListSuppressionsResponse> ListAsync(TestTenant tenant, ListSuppressionsRequest request)
        => tenant.Client.ListSuppressionsAsync(request, tenant.Headers).ResponseAsync;
}
