using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

public sealed class TemplateApiTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    [Fact]
    public async Task Put_stores_a_new_version_with_the_variables_it_reads()
    {
        var tenant = await ingress.CreateTenantAsync();

        var v1 = await PutAsync(tenant, "welcome", "Hi {{ user.name }}", "Welcome, {{ user.name }}! {% if vip %}Thanks.{% endif %}");
        var v2 = await PutAsync(tenant, "welcome", "Hello {{ user.name }}", "Code: {{ code }}");
        var latest = await tenant.Client.GetTemplateAsync(new GetTemplateRequest { TemplateId = "welcome", Channel = Channel.Email }, tenant.Headers);
        var first = await tenant.Client.GetTemplateAsync(new GetTemplateRequest { TemplateId = "welcome", Channel = Channel.Email, Version = 1 }, tenant.Headers);

        Assert.Equal(1, v1.Version);
        Assert.Equal(2, v2.Version);
        Assert.Equal(["user", "vip"], v1.Variables);
        Assert.Equal(2, latest.Version);
        Assert.Equal("Hi {{ user.name }}", first.Subject);
    }

    [Fact]
    public async Task A_template_that_does_not_parse_is_refused_with_its_position()
    {
        var tenant = await ingress.CreateTenantAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => PutAsync(tenant, "broken", "Fine", "line one\nHello {{ user.name "));

        Assert.Contains("body", Requests.ViolatedFields(error));
        Assert.Matches(@"line 2, column \d+", error.Status.Detail);
        Assert.Equal(0, await ingress.CountAsync("SELECT count(*) FROM notify.templates WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task Concurrent_puts_get_consecutive_versions()
    {
        var tenant = await ingress.CreateTenantAsync();

        var puts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => PutAsync(tenant, "race", $"S{i}", "B")));

        Assert.Equal(Enumerable.Range(1, 10), puts.Select(t => t.Version).Order());
    }

    [Fact]
    public async Task A_send_pins_the_current_version_and_a_later_put_does_not_change_it()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "receipt", "Receipt {{ order }}", "Total {{ total }}");
        var request = TemplateSend("receipt", new() { ["order"] = Value.ForString("A-1"), ["total"] = Value.ForNumber(12.5) });

        var sent = await tenant.SendAsync(request);
        await PutAsync(tenant, "receipt", "New receipt {{ order }}", "Total {{ total }}");
        var stored = await tenant.GetAsync(sent.NotificationId);

        Assert.Equal(1, stored.Deliveries[0].TemplateVersion);
        Assert.Equal("receipt", stored.TemplateId);
        Assert.Equal("en", stored.Locale);
    }

    [Fact]
    public async Task A_send_missing_a_variable_is_refused_naming_it()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "reset", "Reset", "Hi {{ name }}, your code is {{ code }}");

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(TemplateSend("reset", new() { ["name"] = Value.ForString("Ada") })));

        Assert.Contains("template.data", Requests.ViolatedFields(error));
        Assert.Contains("'code'", error.Status.Detail);
        Assert.Equal(0, await ingress.CountAsync("SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant", tenant.Id));
    }

    [Fact]
    public async Task A_send_with_an_unknown_template_is_refused_naming_the_channel()
    {
        var tenant = await ingress.CreateTenantAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => tenant.SendAsync(TemplateSend("no-such-template", new())));

        Assert.Equal(["channels[0]"], Requests.ViolatedFields(error));
    }

    [Fact]
    public async Task Locale_falls_back_to_the_language_then_english()
    {
        var tenant = await ingress.CreateTenantAsync();
        await PutAsync(tenant, "hello", "Hello", "Hello", locale: "en");
        await PutAsync(tenant, "hello", "Olá", "Olá", locale: "pt");
        var request = TemplateSend("hello", new());
        request.Template.Locale = "pt-BR";

        var sent = await tenant.SendAsync(request);
        var stored = await tenant.GetAsync(sent.NotificationId);

        Assert.Equal(1, stored.Deliveries[0].TemplateVersion);
        Assert.Equal("pt-BR", stored.Locale);
    }

    [Fact]
    public async Task List_pages_through_the_latest_versions()
    {
        var tenant = await ingress.CreateTenantAsync();
        foreach (var id in new[] { "a.one", "a.two", "a.three", "b.one" })
        {
            await PutAsync(tenant, id, "S", "B");
        }
        await PutAsync(tenant, "a.one", "S2", "B");

        var page1 = await tenant.Client.ListTemplatesAsync(new ListTemplatesRequest { TemplateIdPrefix = "a.", PageSize = 2 }, tenant.Headers);
        var page2 = await tenant.Client.ListTemplatesAsync(new ListTemplatesRequest { TemplateIdPrefix = "a.", PageSize = 2, PageToken = page1.NextPageToken }, tenant.Headers);

        Assert.Equal(["a.one", "a.three"], page1.Templates.Select(t => t.TemplateId));
        Assert.Equal(2, page1.Templates[0].Version);
        Assert.Equal(["a.two"], page2.Templates.Select(t => t.TemplateId));
        Assert.Equal("", page2.NextPageToken);
    }

    private static Task<Template> PutAsync(TestTenant tenant, string id, string subject, string body, string locale = "en")
        => tenant.Client.PutTemplateAsync(new PutTemplateRequest
        {
            TemplateId = id,
            Channel = Channel.Email,
            Locale = locale,
            Subject = subject,
            Body = body,
        }, tenant.Headers).ResponseAsync;

    private static SendRequest TemplateSend(string templateId, Dictionary<string, Value> data)
    {
        var request = Requests.Email();
        request.Template = new TemplateRef { TemplateId = templateId, Data = new Struct() };
        foreach (var (key, value) in data)
        {
            request.Template.Data.Fields[key] = value;
        }
        return request;
    }
}
