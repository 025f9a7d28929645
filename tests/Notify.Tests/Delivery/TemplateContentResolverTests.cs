using Google.Protobuf.WellKnownTypes;
using Notify.Delivery.Content;
using Notify.Grpc.V1;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Delivery;

/// <summary>
/// What a channel process sends for a templated notification: the template version and
/// locale pinned at ingest, rendered with the notification's data for that channel.
/// </summary>
public sealed class TemplateContentResolverTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task An_email_renders_subject_text_and_html_with_values_html_encoded_only_in_html()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "welcome", Channel.Email, "en", subject: "Hi {{ name }}", body: "Welcome, {{ name }}.", html: "<p>Welcome, {{ name }}.</p>");

        var content = await SendAndResolveAsync(tenant, ChannelNames.Email, "welcome", "en", new() { ["name"] = Value.ForString("Ada <Lovelace>") });

        Assert.Equal("Hi Ada <Lovelace>", content.Email.Subject);
        Assert.Equal("Welcome, Ada <Lovelace>.", content.Email.TextBody);
        Assert.Equal("<p>Welcome, Ada &lt;Lovelace&gt;.</p>", content.Email.HtmlBody);
    }

    [Fact]
    public async Task The_version_and_locale_pinned_at_ingest_are_rendered_even_after_newer_ones_exist()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "notice", Channel.Sms, "en", body: "Notice v1 for {{ name }}");
        var sent = await SendAsync(tenant, Channel.Sms, "notice", "pt-BR", new() { ["name"] = Value.ForString("Ana") });

        // After the send: a newer English version, and a closer locale that did not exist then.
        await PutAsync(tenant, "notice", Channel.Sms, "en", body: "Notice v2 for {{ name }}");
        await PutAsync(tenant, "notice", Channel.Sms, "pt-BR", body: "Aviso para {{ name }}");
        var content = await ResolveAsync(ChannelNames.Sms, sent);

        Assert.Equal("Notice v1 for Ana", content.Sms.Body);
    }

    [Fact]
    public async Task A_webhook_template_renders_a_json_payload_and_data_cannot_break_out_of_its_strings()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "invoice.paid", Channel.Webhook, "en", body: """{"invoice": "{{ invoice }}", "note": "{{ note }}"}""");
        var note = "a \"quoted\" note\\ with, \"injected\": true";

        var content = await SendAndResolveAsync(tenant, ChannelNames.Webhook, "invoice.paid", "en",
            new() { ["invoice"] = Value.ForString("INV-7"), ["note"] = Value.ForString(note) });

        Assert.Equal("invoice.paid", content.Webhook.EventType);
        Assert.Equal(["invoice", "note"], content.Webhook.Payload.Fields.Keys.Order());
        Assert.Equal(note, content.Webhook.Payload.Fields["note"].StringValue);
    }

    [Fact]
    public async Task Push_takes_the_subject_as_title_and_whatsapp_the_body_as_text()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "ping", Channel.Push, "en", subject: "Hey {{ name }}", body: "You have {{ count }} messages");
        await PutAsync(tenant, "ping", Channel.Whatsapp, "en", body: "{{ name }}, you have {{ count }} messages");
        var data = new Dictionary<string, Value> { ["name"] = Value.ForString("Lin"), ["count"] = Value.ForNumber(3) };

        var push = await SendAndResolveAsync(tenant, ChannelNames.Push, "ping", "en", data);
        var whatsapp = await SendAndResolveAsync(tenant, ChannelNames.WhatsApp, "ping", "en", data);

        Assert.Equal("Hey Lin", push.Push.Title);
        Assert.Equal("You have 3 messages", push.Push.Body);
        Assert.Equal("Lin, you have 3 messages", whatsapp.Whatsapp.Text);
    }

    [Fact]
    public async Task A_template_version_that_no_longer_exists_fails_the_delivery_with_a_code()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "gone", Channel.Sms, "en", body: "Hello {{ name }}");
        var sent = await SendAsync(tenant, Channel.Sms, "gone", "en", new() { ["name"] = Value.ForString("Bo") });
        await using (var delete = ingress.Database.CreateCommand("DELETE FROM notify.templates WHERE template_id = 'gone'"))
        {
            await delete.ExecuteNonQueryAsync();
        }

        var resolved = await new TemplateContentResolver(ingress.Database).ResolveAsync(await ClaimAsync(ChannelNames.Sms, sent), default);

        Assert.Null(resolved.Content);
        Assert.Equal("TEMPLATE_NOT_FOUND", resolved.ErrorCode);
    }

    private async Task<Content> SendAndResolveAsync(TestTenant tenant, string channel, string templateId, string locale, Dictionary<string, Value> data)
        => await ResolveAsync(channel, await SendAsync(tenant, Notify.Ingress.Channels.FromName(channel), templateId, locale, data));

    private async Task<Content> ResolveAsync(string channel, SendResponse sent)
    {
        var resolved = await new TemplateContentResolver(ingress.Database).ResolveAsync(await ClaimAsync(channel, sent), default);
        Assert.Null(resolved.ErrorCode);
        return resolved.Content!;
    }

    private async Task<ClaimedDelivery> ClaimAsync(string channel, SendResponse sent)
    {
        var claimed = await new DeliveryStore(ingress.Database).ClaimAsync(channel, "test", 100, TimeSpan.FromMinutes(1), default);
        return Assert.Single(claimed, d => d.Id == Guid.Parse(sent.Deliveries[0].DeliveryId));
    }

    private static async Task<SendResponse> SendAsync(TestTenant tenant, Channel channel, string templateId, string locale, Dictionary<string, Value> data)
    {
        var request = Requests.AllChannels();
        request.Channels.Clear();
        request.Channels.Add(channel);
        request.Template = new TemplateRef { TemplateId = templateId, Locale = locale, Data = new Struct() };
        foreach (var (key, value) in data)
        {
            request.Template.Data.Fields[key] = value;
        }
        return await tenant.SendAsync(request);
    }

    private static Task<Template> PutAsync(TestTenant tenant, string id, Channel channel, string locale, string subject = "", string body = "", string html = "")
        => tenant.Client.PutTemplateAsync(new PutTemplateRequest
        {
            TemplateId = id,
            Channel = channel,
            Locale = locale,
            Subject = subject,
            Body = body,
            HtmlBody = html,
        }, tenant.Headers).ResponseAsync;
}
