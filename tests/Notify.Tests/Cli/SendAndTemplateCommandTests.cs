namespace Notify.Tests.Cli;

/// <summary>
/// <c>notifyctl send</c> and <c>template put|list</c> against a running topology: the tenant API
/// with the development tenant's key from endpoints.json, as on an operator's machine.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SendAndTemplateCommandTests(CliTopologyFixture topology)
{
    [Fact]
    public async Task A_test_sms_is_delivered_seen_once_by_the_provider_and_exits_0()
    {
        var result = await topology.RunAsync("send", "--channel", "sms", "--to", "+14155550142", "--body", "notifyctl test", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json;
        Assert.True(json.GetProperty("ok").GetBoolean());
        var delivery = json.GetProperty("notification").GetProperty("deliveries")[0];
        Assert.Contains(delivery.GetProperty("status").GetString(), new[] { "DELIVERY_STATUS_DELIVERED", "DELIVERY_STATUS_SENT" });
        Assert.Equal("twilio", delivery.GetProperty("provider").GetString());
        // The watch reported the changes it saw, ending with the final one.
        var changes = json.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToList();
        Assert.Contains(changes[^1], new[] { "DELIVERED", "SENT" });
        Assert.Equal(1, await topology.SandboxArrivalsAsync(delivery.GetProperty("deliveryId").GetString()!));
    }

    [Fact]
    public async Task A_test_email_prints_the_ids_and_each_status_change_for_people()
    {
        var result = await topology.RunAsync("send", "--channel", "email", "--to", "cli-human@example.com", "--subject", "Hello", "--body", "From notifyctl");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"Accepted notification [0-9a-f-]{36}", result.Out);
        Assert.Matches(@"delivery [0-9a-f-]{36}\s+email\s+c\*+@example\.com", result.Out);
        Assert.Contains("DELIVERED", result.Out);
        Assert.DoesNotContain("cli-human@example.com", result.Out);
    }

    [Fact]
    public async Task A_send_that_dies_exits_1_with_the_providers_error_code()
    {
        // The sandbox answers this WhatsApp number with 131026 (undeliverable): permanent, so DEAD.
        var result = await topology.RunAsync("send", "--channel", "whatsapp", "--to", "+14155551026", "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        var json = result.Json;
        Assert.False(json.GetProperty("ok").GetBoolean());
        var delivery = json.GetProperty("notification").GetProperty("deliveries")[0];
        Assert.Equal("DELIVERY_STATUS_DEAD", delivery.GetProperty("status").GetString());
        Assert.Equal("131026", delivery.GetProperty("lastErrorCode").GetString());
    }

    /// <summary>The question after a send: what became of it. An unknown id is refused (exit 5).</summary>
    [Fact]
    public async Task Get_shows_each_deliverys_status_and_error_and_an_unknown_id_exits_5()
    {
        var sent = await topology.RunAsync("send", "--channel", "whatsapp", "--to", "+14155551026", "--wait", "0", "--json");
        Assert.True(sent.ExitCode == 0, sent.ToString());
        var id = sent.Json.GetProperty("send").GetProperty("notificationId").GetString()!;

        CliResult got;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            got = await topology.RunAsync("get", id, "--json");
            Assert.True(got.ExitCode == 0, got.ToString());
        }
        while (got.Json.GetProperty("deliveries")[0].GetProperty("status").GetString() != "DELIVERY_STATUS_DEAD" && DateTime.UtcNow < deadline);
        var human = await topology.RunAsync("get", id);
        var unknown = await topology.RunAsync("get", Guid.NewGuid().ToString());

        var delivery = got.Json.GetProperty("deliveries")[0];
        Assert.Equal(("DELIVERY_STATUS_DEAD", "131026"), (delivery.GetProperty("status").GetString(), delivery.GetProperty("lastErrorCode").GetString()));
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains(delivery.GetProperty("deliveryId").GetString()!, human.Out);
        Assert.Contains("131026", human.Out);
        Assert.DoesNotContain("+14155551026", human.Out);
        Assert.True(unknown.ExitCode == 5, unknown.ToString());
    }

    [Fact]
    public async Task Wait_0_only_sends_and_the_notification_is_committed()
    {
        var result = await topology.RunAsync("send", "--channel", "webhook", "--to", "https://example.com/hook", "--wait", "0", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var id = Guid.Parse(result.Json.GetProperty("send").GetProperty("notificationId").GetString()!);
        Assert.Equal(1, await topology.ScalarAsync<long>("SELECT count(*) FROM notify.notifications WHERE id = @id", ("id", id)));
    }

    [Fact]
    public async Task A_template_put_from_a_file_is_listed_and_a_send_with_it_is_delivered()
    {
        var id = "cli-welcome-" + Guid.NewGuid().ToString("N")[..8];
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "Hello {{ name }}, your code is {{ code }}.");
        try
        {
            var put = await topology.RunAsync("template", "put", "--id", id, "--channel", "sms", "--file", file, "--description", "first");
            Assert.True(put.ExitCode == 0, put.ToString());
            Assert.Contains("version 1", put.Out);
            Assert.Contains("code, name", put.Out);

            var again = await topology.RunAsync("template", "put", "--id", id, "--channel", "sms", "--body", "Hi {{ name }}: {{ code }}", "--json");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal(2, again.Json.GetProperty("version").GetInt32());

            var list = await topology.RunAsync("template", "list", "--prefix", id, "--json");
            Assert.True(list.ExitCode == 0, list.ToString());
            var listed = Assert.Single(list.Json.GetProperty("templates").EnumerateArray());
            Assert.Equal(2, listed.GetProperty("version").GetInt32());
            Assert.Equal("CHANNEL_SMS", listed.GetProperty("channel").GetString());

            var send = await topology.RunAsync("send", "--channel", "sms", "--to", "+14155550143", "--template", id, "--data", "name=Ada", "--data", "code=4711", "--json");
            Assert.True(send.ExitCode == 0, send.ToString());

            // A variable the template reads is missing: the ingress refuses (exit 5) naming it; nothing is sent.
            var missing = await topology.RunAsync("send", "--channel", "sms", "--to", "+14155550144", "--template", id, "--data", "name=Ada");
            Assert.True(missing.ExitCode == 5, missing.ToString());
            Assert.Contains("code", missing.Error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_template_that_does_not_parse_is_refused_with_its_position_and_nothing_is_stored()
    {
        var id = "cli-broken-" + Guid.NewGuid().ToString("N")[..8];

        var result = await topology.RunAsync("template", "put", "--id", id, "--channel", "sms", "--body", "Hello {{ name ");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("InvalidArgument", result.Error);
        Assert.Contains("body", result.Error);
        var list = await topology.RunAsync("template", "list", "--prefix", id, "--json");
        Assert.Empty(list.Json.GetProperty("templates").EnumerateArray());
    }
}
