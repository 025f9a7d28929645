using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

/// <summary>Every kind of bad field gets INVALID_ARGUMENT naming that field, and nothing is written.</summary>
public sealed class ValidationTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    public static TheoryData<string, string> BadRequests => new()
    {
        { "missing idempotency key", "idempotency_key" },
        { "idempotency key over 255", "idempotency_key" },
        { "email without domain dot", "recipient.email" },
        { "email with display name", "recipient.email" },
        { "phone not E.164", "recipient.phone" },
        { "phone invalid for country", "recipient.phone" },
        { "whatsapp malformed", "recipient.whatsapp" },
        { "webhook plain http", "recipient.webhook_url" },
        { "webhook with credentials", "recipient.webhook_url" },
        { "webhook not absolute", "recipient.webhook_url" },
        { "webhook to cloud metadata", "recipient.webhook_url" },
        { "push without platform", "recipient.push_devices[0].platform" },
        { "apns token not hex", "recipient.push_devices[0].token" },
        { "unknown channel", "channels[0]" },
        { "repeated channel", "channels[1]" },
        { "no channels", "channels" },
        { "no body", "body" },
        { "email content missing", "content.email" },
        { "sms body too long", "content.sms.body" },
        { "template data over 64 KiB", "template.data" },
        { "bad template id", "template.template_id" },
        { "expires in the past", "expires_at" },
        { "metadata too many entries", "metadata" },
        { "NUL in subject", "content.email.subject" },
        { "webhook event type", "content.webhook.event_type" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_field_is_refused_by_name_and_writes_nothing(string @case, string field)
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Break(@case);

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(request));

        Assert.Contains(field, Requests.ViolatedFields(error));
        Assert.Equal(0, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
        Assert.Equal(0, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.AllChannels("");
        request.Recipient.Email = "nope";
        request.Recipient.Phone = "12345";

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(request));

        var fields = Requests.ViolatedFields(error);
        Assert.Contains("idempotency_key", fields);
        Assert.Contains("recipient.email", fields);
        Assert.Contains("recipient.phone", fields);
    }

    [Fact]
    public async Task Error_message_does_not_echo_the_bad_value()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.Email(email: "secret-person-at-example");

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(request));

        Assert.DoesNotContain("secret-person", error.Status.Detail);
    }

    [Fact]
    public async Task Valid_addresses_are_normalised_and_accepted_on_every_channel()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.AllChannels();
        request.Recipient.Email = "Grace.Hopper@Example.COM";

        var response = await tenant.SendAsync(request);

        Assert.Equal(5, response.Deliveries.Count);
        Assert.All(response.Deliveries, d => Assert.Equal(DeliveryStatus.Pending, d.Status));
        Assert.Equal("g***@example.com", response.Deliveries[0].RecipientMasked);
        Assert.Equal(5, await ingress.CountAsync("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant AND status = 'PENDING'", tenant.Id));
    }

    [Fact]
    public async Task Plain_http_webhook_is_accepted_for_an_allow_listed_development_host()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = Requests.AllChannels();
        request.Recipient.WebhookUrl = "http://127.0.0.1:9000/hook";

        var response = await tenant.SendAsync(request);

        Assert.Contains(response.Deliveries, d => d.Channel == Channel.Webhook);
    }

    private static SendRequest Break(string @case)
    {
        var request = Requests.AllChannels();
        switch (@case)
        {
            case "missing idempotency key": request.IdempotencyKey = ""; break;
            case "idempotency key over 255": request.IdempotencyKey = new string('k', 256); break;
            case "email without domain dot": request.Recipient.Email = "ada@localhost"; break;
            case "email with display name": request.Recipient.Email = "Ada <ada@example.com>"; break;
            case "phone not E.164": request.Recipient.Phone = "(415) 555-0123"; break;
            case "phone invalid for country": request.Recipient.Phone = "+1555"; break;
            case "whatsapp malformed": request.Recipient.Whatsapp = "+44 20 7946 0958x"; break;
            case "webhook plain http": request.Recipient.WebhookUrl = "http://hooks.example.com/notify"; break;
            case "webhook with credentials": request.Recipient.WebhookUrl = "https://user:pass@hooks.example.com/"; break;
            case "webhook not absolute": request.Recipient.WebhookUrl = "/hooks"; break;
            case "webhook to cloud metadata": request.Recipient.WebhookUrl = "https://169.254.169.254/latest/meta-data/"; break;
            case "push without platform": request.Recipient.PushDevices[0].Platform = PushPlatform.Unspecified; break;
            case "apns token not hex":
                request.Recipient.PushDevices[0].Platform = PushPlatform.Apns;
                request.Recipient.PushDevices[0].Token = "zz-not-hex";
                break;
            case "unknown channel": request.Channels[0] = (Channel)42; break;
            case "repeated channel": request.Channels[1] = Channel.Email; break;
            case "no channels": request.Channels.Clear(); break;
            case "no body": request.ClearBody(); break;
            case "email content missing": request.Content.Email = null; break;
            case "sms body too long": request.Content.Sms.Body = new string('x', 1601); break;
            case "template data over 64 KiB":
                request.Template = new TemplateRef { TemplateId = "welcome", Data = new Struct { Fields = { ["big"] = Value.ForString(new string('x', 70_000)) } } };
                break;
            case "bad template id": request.Template = new TemplateRef { TemplateId = "has space" }; break;
            case "expires in the past": request.ExpiresAt = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-1)); break;
            case "metadata too many entries":
                for (var i = 0; i < 33; i++) request.Metadata[$"k{i}"] = "v";
                break;
            case "NUL in subject": request.Content.Email.Subject = "a\0b"; break;
            case "webhook event type": request.Content.Webhook.EventType = "has space"; break;
            default: throw new ArgumentOutOfRangeException(nameof(@case), @case, null);
        }
        return request;
    }
}
