namespace Notify.Tests.Cli;

/// <summary>A tenant made with <c>notifyctl tenant create</c>, for tests that need dead letters of their own.</summary>
public sealed record CliTenant(Guid Id, string Name, string ApiKey)
{
    /// <summary>A WhatsApp number the sandbox answers with 131026 (undeliverable): permanent, so the delivery dies at once.</summary>
    public const string UndeliverableWhatsApp = "+14155551026";

    public static async Task<CliTenant> CreateAsync(CliTopologyFixture topology)
    {
        var name = "cli-" + Guid.NewGuid().ToString("N")[..10];
        var created = await topology.RunAsync("tenant", "create", name, "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var json = created.Json;
        return new CliTenant(Guid.Parse(json.GetProperty("tenantId").GetString()!), name, json.GetProperty("apiKey").GetString()!);
    }

    /// <summary>Sends with <c>notifyctl send</c> as this tenant until <paramref name="count"/> deliveries are DEAD; their ids.</summary>
    public async Task<IReadOnlyList<string>> DeadLettersAsync(CliTopologyFixture topology, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var sent = await topology.RunAsync("--api-key", ApiKey, "send", "--channel", "whatsapp", "--to", UndeliverableWhatsApp, "--json");
            Assert.True(sent.ExitCode == 1, sent.ToString());
            var delivery = sent.Json.GetProperty("notification").GetProperty("deliveries")[0];
            Assert.Equal("DELIVERY_STATUS_DEAD", delivery.GetProperty("status").GetString());
            ids.Add(delivery.GetProperty("deliveryId").GetString()!);
        }
        return ids;
    }

    /// <summary>This tenant's deliveries in <paramref name="status"/>, read from the database.</summary>
    public Task<long> CountAsync(CliTopologyFixture topology, string status) =>
        topology.ScalarAsync<long>("SELECT count(*) FROM notify.deliveries WHERE tenant_id = @tenant AND status = @status",
            ("tenant", Id), ("status", status));
}
