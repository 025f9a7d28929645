using System.ComponentModel.DataAnnotations;
using Notify.Ingress.Admin;
using Notify.Outbox;
using Notify.Outbox.Controls;
using Notify.Outbox.Reading;
using Notify.Outbox.Status;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Status;

/// <summary>
/// What <c>notifyctl status</c> shows, read from a real database: queue numbers per channel,
/// idle channels included, controls, and the workers that sent a heartbeat lately.
/// </summary>
public sealed class SystemStatusReaderTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private OutboxDatabase _database = null!;
    private WorkerHeartbeatStore _heartbeats = null!;
    private ChannelControlStore _controls = null!;
    private SystemStatusReader _reader = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _heartbeats = new WorkerHeartbeatStore(_database.DataSource);
        _controls = new ChannelControlStore(_database.DataSource);
        _reader = Reader(new SystemStatusOptions());
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Every_channel_is_shown_with_its_queue_numbers_including_idle_ones()
    {
        // SMS: two PENDING (one due 30 s ago, one scheduled for later), two RETRYING (the
        // oldest due, 90 s ago), one SENDING, three DEAD, and finished rows that are not counted.
        await _database.SeedInStatusAsync(ChannelNames.Sms, "PENDING", TimeSpan.FromSeconds(-30));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "PENDING", TimeSpan.FromHours(1));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "RETRYING", TimeSpan.FromSeconds(-90));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "RETRYING", TimeSpan.FromMinutes(5));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "SENDING", TimeSpan.FromHours(-3));
        for (var i = 0; i < 3; i++)
        {
            await _database.SeedInStatusAsync(ChannelNames.Sms, "DEAD", TimeSpan.FromHours(-2));
        }
        await _database.SeedInStatusAsync(ChannelNames.Sms, "SENT", TimeSpan.FromHours(-4));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "DELIVERED", TimeSpan.FromHours(-4));
        // Email: one due for ten minutes; webhook: one dead.
        await _database.SeedInStatusAsync(ChannelNames.Email, "PENDING", TimeSpan.FromMinutes(-10));
        await _database.SeedInStatusAsync(ChannelNames.Webhook, "DEAD", TimeSpan.FromHours(-1));

        var status = await _reader.ReadAsync(default);

        Assert.Equal(ChannelNames.All, status.Channels.Select(c => c.Channel));
        var sms = status[ChannelNames.Sms].Queue;
        Assert.Equal((2, 2, 1, 3), (sms.Pending, sms.Retrying, sms.Sending, sms.Dead));
        Assert.InRange(sms.OldestClaimableAge.TotalSeconds, 90, 150);
        var email = status[ChannelNames.Email].Queue;
        Assert.Equal((1, 0, 0, 0), (email.Pending, email.Retrying, email.Sending, email.Dead));
        Assert.InRange(email.OldestClaimableAge.TotalMinutes, 10, 11);
        Assert.Equal((0, 0, 0, 1), (status[ChannelNames.Webhook].Queue.Pending, status[ChannelNames.Webhook].Queue.Retrying,
            status[ChannelNames.Webhook].Queue.Sending, status[ChannelNames.Webhook].Queue.Dead));
        foreach (var idle in new[] { ChannelNames.WhatsApp, ChannelNames.Push })
        {
            var queue = status[idle].Queue;
            Assert.Equal((0, 0, 0, 0), (queue.Pending, queue.Retrying, queue.Sending, queue.Dead));
            Assert.Equal(TimeSpan.Zero, queue.OldestClaimableAge);
            Assert.Empty(status[idle].Workers);
            Assert.Empty(status[idle].Controls);
            Assert.False(status[idle].Paused);
        }
        // The one-batch reading is the engine's per-channel reading (the queue gauges use that one).
        var gauges = new QueueStatistics(_database.DataSource);
        foreach (var channel in ChannelNames.All)
        {
            var single = await gauges.ReadAsync(channel, default);
            var read = status[channel].Queue;
            Assert.Equal((single.Pending, single.Retrying, single.Sending, single.Dead), (read.Pending, read.Retrying, read.Sending, read.Dead));
        }
    }

    [Fact]
    public async Task Controls_are_shown_per_channel_and_only_the_whole_channels_pause_makes_it_paused()
    {
        await _controls.PauseAsync(ChannelNames.Sms, null, "carrier incident INC-7", "oncall@example.com", default);
        await _controls.PauseAsync(ChannelNames.Email, "sendgrid", "SendGrid incident", "oncall@example.com", default);
        await _controls.PauseAsync(ChannelNames.Push, null, "certificate rotation", "oncall@example.com", default);
        await _controls.ResumeAsync(ChannelNames.Push, null, "rotated", "oncall@example.com", default);

        var status = await _reader.ReadAsync(default);

        Assert.True(status[ChannelNames.Sms].Paused);
        var sms = Assert.Single(status[ChannelNames.Sms].Controls);
        Assert.Equal(("", "carrier incident INC-7", "oncall@example.com"), (sms.Provider, sms.Reason, sms.Actor));
        Assert.False(status[ChannelNames.Email].Paused);
        var sendgrid = Assert.Single(status[ChannelNames.Email].Controls);
        Assert.Equal(("sendgrid", true), (sendgrid.Provider, sendgrid.Paused));
        // A resumed control stays visible (who resumed it and why), and the channel runs.
        Assert.False(status[ChannelNames.Push].Paused);
        Assert.Equal(("rotated", false), (Assert.Single(status[ChannelNames.Push].Controls).Reason, status[ChannelNames.Push].Controls[0].Paused));
        Assert.Empty(status[ChannelNames.WhatsApp].Controls);
    }

    [Fact]
    public async Task Workers_seen_within_the_window_are_listed_with_circuits_in_failover_order_and_old_rows_are_forgotten()
    {
        var started = DateTimeOffset.UtcNow.AddMinutes(-3);
        await _heartbeats.BeatAsync(new WorkerBeat("host-a-101", ChannelNames.Email, "host-a", 101, started,
            [new CircuitReading("smtp", CircuitStates.Closed), new CircuitReading("sendgrid", CircuitStates.Open)], ["sendgrid"], true), default);
        await _heartbeats.BeatAsync(new WorkerBeat("host-b-202", ChannelNames.Sms, "host-b", 202, started,
            [new CircuitReading("twilio", CircuitStates.HalfOpen)], [""], false), default);
        // Silent for 20 s (killed): past the 15 s window, kept. Silent for 2 h: deleted.
        await BeatAgoAsync("host-c-303", ChannelNames.Sms, TimeSpan.FromSeconds(20));
        await BeatAgoAsync("host-d-404", ChannelNames.Push, TimeSpan.FromHours(2));

        var status = await _reader.ReadAsync(default);

        var email = Assert.Single(status[ChannelNames.Email].Workers);
        Assert.Equal(("host-a-101", "host-a", 101), (email.WorkerId, email.Host, email.Pid));
        Assert.Equal(started.UtcDateTime, email.StartedAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(new[] { ("sendgrid", "open"), ("smtp", "closed") }, email.Circuits.Select(c => (c.Provider, c.State)));
        Assert.False(email.ChannelPaused);
        Assert.Equal(new[] { "sendgrid" }, email.PausedProviders);
        Assert.True(email.Claiming);
        var sms = Assert.Single(status[ChannelNames.Sms].Workers);
        Assert.Equal("host-b-202", sms.WorkerId);
        Assert.Equal(new[] { ("twilio", "half_open") }, sms.Circuits.Select(c => (c.Provider, c.State)));
        Assert.True(sms.ChannelPaused);
        Assert.False(sms.Claiming);
        Assert.InRange(status.ObservedAt - sms.SeenAt, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Empty(status[ChannelNames.Push].Workers);
        Assert.Equal(new[] { "host-a-101", "host-b-202", "host-c-303" }, await WorkerRowsAsync());

        // A worker that beats again is back at once.
        await _heartbeats.BeatAsync(new WorkerBeat("host-c-303", ChannelNames.Sms, "host-c", 303, started, [], [], true), default);
        Assert.Equal(new[] { "host-b-202", "host-c-303" }, (await _reader.ReadAsync(default))[ChannelNames.Sms].Workers.Select(w => w.WorkerId).Order());
    }

    [Fact]
    public async Task A_clean_stop_removes_the_row_at_once()
    {
        var beat = new WorkerBeat("host-e-505", ChannelNames.WhatsApp, "host-e", 505, DateTimeOffset.UtcNow, [new CircuitReading("whatsapp", "closed")], [], true);
        await _heartbeats.BeatAsync(beat, default);
        await _heartbeats.BeatAsync(beat with { Claiming = false }, default);
        Assert.False(Assert.Single((await _reader.ReadAsync(default))[ChannelNames.WhatsApp].Workers).Claiming);

        Assert.True(await _heartbeats.RemoveAsync("host-e-505", default));

        Assert.Empty((await _reader.ReadAsync(default))[ChannelNames.WhatsApp].Workers);
        Assert.False(await _heartbeats.RemoveAsync("host-e-505", default));
    }

    [Fact]
    public async Task The_admin_answer_carries_what_was_read()
    {
        await _database.SeedInStatusAsync(ChannelNames.Sms, "RETRYING", TimeSpan.FromSeconds(-42));
        await _database.SeedInStatusAsync(ChannelNames.Sms, "DEAD", TimeSpan.FromHours(-1));
        var control = await _controls.PauseAsync(ChannelNames.Sms, null, "carrier incident", "oncall@example.com", default);
        await _controls.PauseAsync(ChannelNames.Email, "smtp", "relay maintenance", "oncall@example.com", default);
        await _controls.PauseAsync(ChannelNames.Push, "fcm", "quota incident", "oncall@example.com", default);
        await _controls.ResumeAsync(ChannelNames.Push, "fcm", "quota back", "oncall@example.com", default);
        await _heartbeats.BeatAsync(new WorkerBeat("host-a-1", ChannelNames.Sms, "host-a", 1, DateTimeOffset.UtcNow.AddHours(-1),
            [new CircuitReading("twilio", CircuitStates.Open)], [""], false), default);
        await _heartbeats.BeatAsync(new WorkerBeat("host-a-2", ChannelNames.Email, "host-a", 2, DateTimeOffset.UtcNow,
            [new CircuitReading("sendgrid", CircuitStates.Closed), new CircuitReading("smtp", CircuitStates.Closed)], ["smtp"], true), default);
        var snapshot = await _reader.ReadAsync(default);

        var proto = StatusMapping.ToProto(snapshot);

        Assert.Equal(snapshot.ObservedAt, proto.ObservedAt.ToDateTime());
        Assert.Equal(ChannelNames.All, proto.Channels.Select(c => c.Channel));
        var sms = proto.Channels.Single(c => c.Channel == "sms");
        Assert.Equal((0L, 1L, 0L, 1L), (sms.Pending, sms.Retrying, sms.Sending, sms.Dead));
        Assert.InRange(sms.OldestClaimableAge.ToTimeSpan().TotalSeconds, 42, 100);
        Assert.True(sms.Paused);
        var smsControl = Assert.Single(sms.Controls);
        Assert.Equal(("", true, "carrier incident", "oncall@example.com"), (smsControl.Provider, smsControl.Paused, smsControl.Reason, smsControl.Actor));
        Assert.Equal(control.PausedAt, smsControl.PausedAt.ToDateTime());
        var smsWorker = Assert.Single(sms.Workers);
        Assert.Equal(("host-a-1", "host-a", 1, true, false), (smsWorker.WorkerId, smsWorker.Host, smsWorker.Pid, smsWorker.Paused, smsWorker.Claiming));
        Assert.Equal(("twilio", "open"), (smsWorker.Circuits[0].Provider, smsWorker.Circuits[0].State));
        Assert.Equal(snapshot[ChannelNames.Sms].Workers[0].SeenAt, smsWorker.LastSeenAt.ToDateTime());
        var email = proto.Channels.Single(c => c.Channel == "email");
        Assert.False(email.Paused);
        Assert.Equal(("smtp", true), (email.Controls[0].Provider, email.Controls[0].Paused));
        Assert.NotNull(email.Controls[0].PausedAt);
        var emailWorker = Assert.Single(email.Workers);
        Assert.False(emailWorker.Paused);
        Assert.Equal(new[] { "smtp" }, emailWorker.PausedProviders);
        Assert.Equal(new[] { "sendgrid", "smtp" }, emailWorker.Circuits.Select(c => c.Provider));
        var idle = proto.Channels.Single(c => c.Channel == "push");   // no deliveries, no workers
        Assert.Equal((0L, 0L, 0L, 0L, TimeSpan.Zero), (idle.Pending, idle.Retrying, idle.Sending, idle.Dead, idle.OldestClaimableAge.ToTimeSpan()));
        Assert.Empty(idle.Workers);
        // A resumed control has no pause start.
        Assert.Equal(("fcm", false, "quota back"), (idle.Controls[0].Provider, idle.Controls[0].Paused, idle.Controls[0].Reason));
        Assert.Null(idle.Controls[0].PausedAt);
    }

    [Fact]
    public void A_forget_age_inside_the_window_is_refused_at_start()
    {
        var options = new SystemStatusOptions { WorkerWindow = TimeSpan.FromMinutes(5), ForgetWorkersAfter = TimeSpan.FromMinutes(2) };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));

        Assert.Contains(results, r => r.MemberNames.Contains(nameof(SystemStatusOptions.ForgetWorkersAfter)));
    }

    private SystemStatusReader Reader(SystemStatusOptions options) => new(_database.DataSource, new QueueStatistics(_database.DataSource),
        new ChannelControlStore(_database.DataSource), Microsoft.Extensions.Options.Options.Create(options));

    /// <summary>A heartbeat row last written <paramref name="ago"/> ago (a worker that went silent).</summary>
    private async Task BeatAgoAsync(string workerId, string channel, TimeSpan ago)
    {
        await _heartbeats.BeatAsync(new WorkerBeat(workerId, channel, "host", 1, DateTimeOffset.UtcNow.AddHours(-3), [], [], true), default);
        await using var command = _database.DataSource.CreateCommand("UPDATE notify.workers SET seen_at = now() - @ago WHERE worker_id = @id");
        command.Parameters.AddWithValue("ago", ago);
        command.Parameters.AddWithValue("id", workerId);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> WorkerRowsAsync()
    {
        await using var command = _database.DataSource.CreateCommand("SELECT worker_id FROM notify.workers ORDER BY worker_id");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
