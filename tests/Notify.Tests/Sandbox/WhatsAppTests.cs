using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Notify.Tests.Sandbox;

public sealed class WhatsAppTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    [Fact]
    public async Task A_text_message_is_200_with_a_wamid_and_is_recorded_under_its_callback_data()
    {
        var deliveryId = NewDeliveryId();

        var response = await SendAsync(Text("15551234567", deliveryId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        var id = body.GetProperty("messages")[0].GetProperty("id").GetString()!;
        Assert.StartsWith("wamid.", id);
        Assert.Equal("15551234567", body.GetProperty("contacts")[0].GetProperty("wa_id").GetString());
        var recorded = Assert.Single(await Sandbox.MessagesAsync("whatsapp", deliveryId));
        Assert.Equal(id, recorded.GetProperty("providerMessageId").GetString());
    }

    [Fact]
    public async Task A_template_message_is_accepted_and_the_header_carries_the_delivery_id()
    {
        var deliveryId = NewDeliveryId();
        var template = """
            {"messaging_product":"whatsapp","to":"15551234567","type":"template",
             "template":{"name":"order_update_v1","language":{"code":"en_US"},
               "components":[{"type":"body","parameters":[{"type":"text","text":"Alex"},{"type":"text","text":"A123"}]}]}}
            """;

        var response = await SendAsync(template, deliveryIdHeader: deliveryId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("accepted", (await JsonAsync(response)).GetProperty("messages")[0].GetProperty("message_status").GetString());
        Assert.Single(await Sandbox.MessagesAsync("whatsapp", deliveryId));
    }

    [Fact]
    public async Task A_bad_token_is_401_with_code_190()
    {
        var response = await SendAsync(Text("15551234567", NewDeliveryId()), token: "expired");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(190, (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("""{"to":"15551234567","type":"text","text":{"body":"hi"}}""")]
    [InlineData("""{"messaging_product":"whatsapp","to":"15551234567","type":"text","text":{}}""")]
    [InlineData("""{"messaging_product":"whatsapp","to":"15551234567","type":"template","template":{"name":"x"}}""")]
    public async Task Invalid_parameters_are_400_with_code_100(string body)
    {
        var response = await SendAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal(100, error.GetProperty("code").GetInt32());
        Assert.StartsWith("(#100)", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_repeated_delivery_id_counts_as_a_duplicate()
    {
        var deliveryId = NewDeliveryId();

        await SendAsync(Text("15551234567", deliveryId));
        await SendAsync(Text("15551234567", deliveryId));

        Assert.Equal(2, (await Sandbox.MessagesAsync("whatsapp", deliveryId))[1].GetProperty("arrival").GetInt32());
        Assert.Equal(1, (await Sandbox.StatsAsync("whatsapp")).GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task Injected_throttling_is_429_with_code_130429()
    {
        await Sandbox.SetFaultsAsync(new { provider = "whatsapp", throttlePercent = 100, retryAfterSeconds = 4 });

        var response = await SendAsync(Text("15551234567", NewDeliveryId()));

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal(130429, (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(TimeSpan.FromSeconds(4), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task An_undeliverable_recipient_is_code_131026()
    {
        await Sandbox.SetFaultsAsync(new { provider = "whatsapp", invalidRecipientPattern = "^1555000" });

        var response = await SendAsync(Text("15550001111", NewDeliveryId()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(131026, (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Empty(await Sandbox.MessagesAsync("whatsapp"));
    }

    [Theory]
    [InlineData("no_such_template", "en_US", 2)]
    [InlineData("order_update_v1", "fr", 2)]
    public async Task A_template_that_is_not_approved_in_that_language_is_code_132001(string name, string language, int parameters)
    {
        var response = await SendAsync(Template("15551234567", name, language, parameters));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(132001, (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Empty(await Sandbox.MessagesAsync("whatsapp"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_template_with_the_wrong_number_of_body_parameters_is_code_132000(int parameters)
    {
        var response = await SendAsync(Template("15551234567", "order_update_v1", "de", parameters));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(132000, (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_template_without_parameters_is_accepted_when_it_takes_none()
    {
        var response = await SendAsync(Template("15551234567", "hello_world", "en_US", 0));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("14155551026", 400, 131026)]
    [InlineData("+14155551047", 400, 131047)]
    [InlineData("14155551050", 400, 131050)]
    [InlineData("14155551056", 400, 131056)]
    [InlineData("14155550429", 429, 130429)]
    public async Task Magic_recipients_fail_with_their_graph_error_code(string to, int status, int code)
    {
        var response = await SendAsync(Text(to, NewDeliveryId()));

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.StartsWith($"(#{code})", error.GetProperty("message").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("fbtrace_id").GetString()));
        Assert.Empty(await Sandbox.MessagesAsync("whatsapp"));
        if (status == 429)
        {
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
        }
    }

    private static string Template(string to, string name, string language, int parameters)
    {
        var values = string.Join(",", Enumerable.Range(1, parameters).Select(i => $$"""{"type":"text","text":"p{{i}}"}"""));
        var components = parameters == 0 ? "" : $$""","components":[{"type":"body","parameters":[{{values}}]}]""";
        return $$$"""
            {"messaging_product":"whatsapp","to":"{{{to}}}","type":"template",
             "template":{"name":"{{{name}}}","language":{"code":"{{{language}}}"}{{{components}}}}}
            """;
    }

    private static string Text(string to, string deliveryId) => $$"""
        {"messaging_product":"whatsapp","recipient_type":"individual","to":"{{to}}","type":"text",
         "text":{"preview_url":false,"body":"Your order shipped"},"biz_opaque_callback_data":"{{deliveryId}}"}
        """;

    private Task<HttpResponseMessage> SendAsync(string json, string token = SandboxFixture.WhatsAppToken, string? deliveryIdHeader = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v23.0/106540352242922/messages")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (deliveryIdHeader is not null)
        {
            request.Headers.Add("X-Notify-Delivery-Id", deliveryIdHeader);
        }
        return Sandbox.Client.SendAsync(request);
    }
}
