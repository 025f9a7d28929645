using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Topology;

/// <summary>The system as a developer runs it: every process real, talking over loopback.</summary>
public sealed class TopologyTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    [Fact]
    public async Task Every_process_is_healthy_and_serves_metrics()
    {
        using var http = new HttpClient();
        foreach (var name in new[] { "ingress", "email", "sms", "whatsapp", "webhook", "push", "sandbox" })
        {
            var endpoint = topology.App.GetEndpoint(name, OperatorEndpoint.Name);

            var health = await http.GetAsync(new Uri(endpoint, "/health"));
            var metrics = await http.GetStringAsync(new Uri(endpoint, "/metrics"));

            Assert.True(health.IsSuccessStatusCode, $"{name} /health answered {(int)health.StatusCode}");
            Assert.Contains("# TYPE", metrics);
        }
    }

    [Fact]
    public async Task Ingest_metrics_count_what_the_ingress_accepted()
    {
        using var http = new HttpClient();
        await topology.Client.SendAsync(Requests.Email(), topology.DevelopmentKey);

        var metrics = await http.GetStringAsync(new Uri(topology.App.GetEndpoint("ingress", OperatorEndpoint.Name), "/metrics"));

        Assert.Matches("notify_ingest_notifications_total\\{[^}]*outcome=\"accepted\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("notify_ingest_deliveries_total\\{[^}]*channel=\"email\"", metrics);
        Assert.Contains("notify_outbox_commit_duration_seconds_bucket", metrics);
    }

    [Fact]
    public async Task A_notification_sent_over_grpc_is_committed_and_readable()
    {
        var request = Requests.AllChannels();

        var sent = await topology.Client.SendAsync(request, topology.DevelopmentKey);
        var read = await topology.Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = sent.NotificationId }, topology.DevelopmentKey);

        Assert.Equal(5, read.Deliveries.Count);
        await using var database = NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        await using var count = database.CreateCommand("SELECT count(*) FROM notify.deliveries WHERE notification_id = @id");
        count.Parameters.AddWithValue("id", Guid.Parse(sent.NotificationId));
        Assert.Equal(5L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Accepted_notifications_survive_a_killed_ingress()
    {
        var request = Requests.Email();
        var sent = await topology.Client.SendAsync(request, topology.DevelopmentKey);
        var ingress = topology.App.GetProcess("ingress");

        await ingress.KillAsync();
        await ingress.StartAsync(TimeSpan.FromMinutes(1));
        topology.Connect();

        var replay = await topology.Client.SendAsync(request, topology.DevelopmentKey);
        Assert.True(replay.Replayed);
        Assert.Equal(sent.NotificationId, replay.NotificationId);
    }

    [Fact]
    public async Task No_process_logged_an_error()
    {
        await topology.Client.SendAsync(Requests.Email(), topology.DevelopmentKey);

        var errors = topology.Logs.Where(l => l.Text.Contains("fail:", StringComparison.Ordinal) || l.Text.Contains("crit:", StringComparison.Ordinal)).ToList();

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
