using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.AppHost;
using Notify.Grpc.V1;
using Notify.Hosting.Orchestration;
using Notify.Outbox;
using Notify.Outbox.Controls;
using Notify.Outbox.Reading;
using Notify.Outbox.Status;
using Notify.Tests.Infrastructure;
using Notify.Tests.Topology;
using Npgsql;

namespace Notify.Tests.Status;

/// <summary>
/// The whole topology with two replicas of every channel process: heartbeats one per second,
/// everything else (the controls poll included) at its production setting.
/// </summary>
public sealed class TwoReplicaTopologyFixture : TopologyFixture
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    private NpgsqlDataSource? _database;

    protected override NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options with
    {
        ChannelReplicas = 2,
        ChannelEnvironment = new Dictionary<string, string>
        {
            ["Notify__Delivery__HeartbeatInterval"] = HeartbeatInterval.ToString("c"),
        },
    };

    public NpgsqlDataSource Database => _database ??= NpgsqlDataSource.Create(App.GetConnectionString("notifydb"));

    public ChannelControlStore Controls => new(Database);

    /// <summary>The status as the admin API reads it (default 15 s window).</summary>
    public Task<SystemStatusSnapshot> StatusAsync() =>
        new SystemStatusReader(Database, new QueueStatistics(Database), Controls, Options.Create(new SystemStatusOptions())).ReadAsync(default);

    /// <summary>The worker id a replica claims with: <c>{machine}-{pid}</c>, the engine's default.</summary>
    public static string WorkerId(ResourceProcess replica) => $"{Environment.MachineName}-{replica.Pid}";

    public override async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

/// <summary>
/// Live worker status across real processes: every replica reports in, a pause reaches both
/// replicas of a channel within 5 s and nothing sent after it goes out until the resume (then
/// once), a replica stopped with SIGTERM leaves the status at once and a killed one ages out.
/// </summary>
public sealed class WorkerStatusTopologyTests(TwoReplicaTopologyFixture topology) : IClassFixture<TwoReplicaTopologyFixture>
{
    // The promise to operators: a pause reaches every replica within 5 s.
    private static readonly TimeSpan PauseDeadline = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(45);
    // Long enough for dozens of claims (each replica polls every second and is woken by NOTIFY) were the pause not holding.
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(4);

    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Both_replicas_of_every_channel_report_in_with_their_circuits()
    {
        foreach (var channel in ChannelNames.All)
        {
            var replicas = topology.App.GetProcesses(channel);
            Assert.Equal(2, replicas.Count);
            var expected = replicas.Select(TwoReplicaTopologyFixture.WorkerId).Order().ToList();

            var workers = await WaitForAsync(status => status[channel].Workers is { Count: 2 } w
                && w.Select(x => x.WorkerId).Order().SequenceEqual(expected) && w.All(x => x.Claiming));

            Assert.All(workers[channel].Workers, worker =>
            {
                Assert.Equal(Environment.MachineName, worker.Host);
                Assert.Contains(worker.Pid, replicas.Select(r => r.Pid));
                Assert.Equal(ProviderNames.For(channel), worker.Circuits.Select(c => c.Provider));
                Assert.All(worker.Circuits, c => Assert.Equal(CircuitStates.Closed, c.State));
                Assert.Empty(worker.Paused);
                Assert.InRange(workers.ObservedAt - worker.SeenAt, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(15));
            });
        }
    }

    [Fact]
    public async Task Pausing_a_channel_stops_claiming_on_both_replicas_within_5_s_and_resume_delivers_each_message_once()
    {
        var replicas = topology.App.GetProcesses(ChannelNames.Sms);
        var expected = replicas.Select(TwoReplicaTopologyFixture.WorkerId).Order().ToList();
        await WaitForAsync(status => status[ChannelNames.Sms].Workers.Where(w => w.Claiming).Select(w => w.WorkerId).Order().SequenceEqual(expected));

        await topology.Controls.PauseAsync(ChannelNames.Sms, null, "carrier incident INC-5", "oncall@example.com", default);
        var paused = DateTime.UtcNow;
        try
        {
            // Whatever is sent once the 5 s are up must wait: neither replica may claim it.
            var wait = PauseDeadline - (DateTime.UtcNow - paused);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            var sent = new List<(string NotificationId, string DeliveryId)>();
            for (var i = 0; i < 6; i++)
            {
                sent.Add(await SendSmsAsync($"+141555501{i:00}"));
            }
            // Both heartbeats report the pause honoured and no claiming (they beat every second).
            var status = await WaitForAsync(s => s[ChannelNames.Sms].Workers.Count(w => w.ChannelPaused && !w.Claiming) == 2);
            Assert.True(status[ChannelNames.Sms].Paused);
            Assert.Equal(expected, status[ChannelNames.Sms].Workers.Select(w => w.WorkerId).Order());
            await Task.Delay(Quiet);

            foreach (var (notificationId, deliveryId) in sent)
            {
                var delivery = await DeliveryAsync(notificationId);
                Assert.Equal(DeliveryStatus.Pending, delivery.Status);
                Assert.Equal(0, delivery.AttemptCount);
                Assert.Empty(await SandboxMessagesAsync(deliveryId));
            }
            Assert.Equal(6, (await topology.StatusAsync())[ChannelNames.Sms].Queue.Pending);
            Assert.Contains(topology.Logs, l => l.Text.Contains("sms: channel paused, not claiming (carrier incident INC-5)", StringComparison.Ordinal));

            await topology.Controls.ResumeAsync(ChannelNames.Sms, null, "carrier recovered", "oncall@example.com", default);

            foreach (var (notificationId, deliveryId) in sent)
            {
                var delivery = await WaitForDeliveryAsync(notificationId, d => d.Status is DeliveryStatus.Sent or DeliveryStatus.Delivered);
                Assert.Contains(delivery.Status, new[] { DeliveryStatus.Sent, DeliveryStatus.Delivered });
                Assert.Equal(1, delivery.AttemptCount);
                var message = Assert.Single(await SandboxMessagesAsync(deliveryId));
                Assert.Equal(1, message.GetProperty("arrivals").GetInt32());
            }
            await WaitForAsync(s => s[ChannelNames.Sms].Workers.Count(w => !w.ChannelPaused && w.Claiming) == 2);
        }
        finally
        {
            // Never leave the channel paused for the class's other tests.
            await topology.Controls.ResumeAsync(ChannelNames.Sms, null, "test over", "tests", default);
        }
    }

    [Fact]
    public async Task A_replica_stopped_with_SIGTERM_leaves_the_status_at_once_and_a_killed_one_ages_out()
    {
        var stopped = topology.App.GetProcess(ChannelNames.Push, replica: 0);
        var killed = topology.App.GetProcess(ChannelNames.Push, replica: 1);
        var stoppedId = TwoReplicaTopologyFixture.WorkerId(stopped);
        var killedId = TwoReplicaTopologyFixture.WorkerId(killed);
        await WaitForAsync(s => s[ChannelNames.Push].Workers.Select(w => w.WorkerId).Order().SequenceEqual(new[] { stoppedId, killedId }.Order()));

        // SIGTERM: the process drains, deletes its row and exits; nothing is left to age out.
        await stopped.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, stopped.ExitCode);
        Assert.Equal(0L, await WorkerRowsAsync(stoppedId));
        Assert.DoesNotContain((await topology.StatusAsync())[ChannelNames.Push].Workers, w => w.WorkerId == stoppedId);

        // SIGKILL: the row stays behind, and the status stops listing it once it is older than the window.
        await killed.KillAsync();
        var status = await WaitForAsync(s => s[ChannelNames.Push].Workers.Count == 0);
        Assert.Equal(1L, await WorkerRowsAsync(killedId));
        Assert.Empty(status[ChannelNames.Push].Workers);

        // Started again (new pids), both report in.
        await stopped.StartAsync(TimeSpan.FromMinutes(1));
        await killed.StartAsync(TimeSpan.FromMinutes(1));
        var restarted = new[] { TwoReplicaTopologyFixture.WorkerId(stopped), TwoReplicaTopologyFixture.WorkerId(killed) }.Order().ToList();
        await WaitForAsync(s => s[ChannelNames.Push].Workers.Select(w => w.WorkerId).Order().SequenceEqual(restarted));
    }

    private async Task<SystemStatusSnapshot> WaitForAsync(Func<SystemStatusSnapshot, bool> condition)
    {
        var deadline = DateTime.UtcNow + Eventually;
        var status = await topology.StatusAsync();
        while (!condition(status))
        {
            Assert.True(DateTime.UtcNow < deadline, "The status did not show it in time. Workers: " + string.Join("; ",
                status.Channels.SelectMany(c => c.Workers).Select(w => $"{w.Channel} {w.WorkerId} paused=[{string.Join(",", w.Paused)}] claiming={w.Claiming} seen={w.SeenAt:O}")));
            await Task.Delay(200);
            status = await topology.StatusAsync();
        }
        return status;
    }

    private async Task<long> WorkerRowsAsync(string workerId)
    {
        await using var command = topology.Database.CreateCommand("SELECT count(*) FROM notify.workers WHERE worker_id = $1");
        command.Parameters.Add(new() { Value = workerId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(string NotificationId, string DeliveryId)> SendSmsAsync(string phone)
    {
        var request = Requests.AllChannels();
        request.Channels.Clear();
        request.Channels.Add(Channel.Sms);
        request.Recipient.Phone = phone;
        var sent = await topology.Client.SendAsync(request, topology.DevelopmentKey);
        return (sent.NotificationId, sent.Deliveries[0].DeliveryId);
    }

    private async Task<Notify.Grpc.V1.Delivery> DeliveryAsync(string notificationId) =>
        (await topology.Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = notificationId }, topology.DevelopmentKey)).Deliveries[0];

    private async Task<Notify.Grpc.V1.Delivery> WaitForDeliveryAsync(string notificationId, Func<Notify.Grpc.V1.Delivery, bool> done)
    {
        var deadline = DateTime.UtcNow + Eventually;
        var delivery = await DeliveryAsync(notificationId);
        while (!done(delivery) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            delivery = await DeliveryAsync(notificationId);
        }
        return delivery;
    }

    private async Task<JsonElement[]> SandboxMessagesAsync(string deliveryId)
    {
        var body = await Http.GetFromJsonAsync<JsonElement>(new Uri(topology.App.GetEndpoint("sandbox", "http"), $"/sandbox/messages?deliveryId={deliveryId}"));
        return [.. body.GetProperty("messages").EnumerateArray()];
    }
}
