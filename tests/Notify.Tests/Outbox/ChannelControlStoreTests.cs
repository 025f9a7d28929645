using System.Runtime.CompilerServices;
using Notify.Delivery.Providers;
using Notify.Outbox;
using Notify.Outbox.Controls;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Outbox;

/// <summary>The channel controls' state, history and checks on a real database.</summary>
public sealed class ChannelControlStoreTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private OutboxDatabase _database = null!;
    private ChannelControlStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _store = new ChannelControlStore(_database.DataSource);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Pause_and_resume_keep_the_state_and_every_action_in_the_history_with_who_when_and_why()
    {
        var paused = await _store.PauseAsync(ChannelNames.Sms, null, "  carrier incident INC-42 ", "alice@example.com", default);
        var again = await _store.PauseAsync(ChannelNames.Sms, null, "still down", "bob@example.com", default);
        var provider = await _store.PauseAsync(ChannelNames.Email, "sendgrid", "SendGrid incident", "alice@example.com", default);
        var resumed = await _store.ResumeAsync(ChannelNames.Sms, "", "carrier recovered", "bob@example.com", default);

        Assert.True(paused.Paused);
        Assert.Equal("carrier incident INC-42", paused.Reason);
        // A second pause takes the new reason and actor but the outage is as old as the first pause.
        Assert.Equal(paused.PausedAt, again.PausedAt);
        Assert.Equal(("still down", "bob@example.com"), (again.Reason, again.Actor));
        Assert.Equal(("email", "sendgrid", true), (provider.Channel, provider.Provider, provider.Paused));
        Assert.False(resumed.Paused);
        Assert.Null(resumed.PausedAt);

        var sms = Assert.Single(await _store.GetAsync(ChannelNames.Sms, default));
        Assert.Equal(("", false, "carrier recovered", "bob@example.com"), (sms.Provider, sms.Paused, sms.Reason, sms.Actor));
        var email = Assert.Single(await _store.GetAsync(ChannelNames.Email, default));
        Assert.True(email.Paused);

        var history = await _store.HistoryAsync(ChannelNames.Sms, 10, default);
        Assert.Equal(
            [("resume", "bob@example.com", "carrier recovered", true), ("pause", "bob@example.com", "still down", true),
             ("pause", "alice@example.com", "carrier incident INC-42", false)],
            history.Select(e => (e.Action, e.Actor, e.Reason, e.WasPaused)).ToList());
        Assert.All(history, e => Assert.Equal(("sms", ""), (e.Channel, e.Provider)));
        Assert.Equal(resumed.UpdatedAt, history[0].OccurredAt);
        Assert.Equal("sendgrid", Assert.Single(await _store.HistoryAsync(ChannelNames.Email, 10, default)).Provider);
    }

    [Fact]
    public async Task A_change_wakes_the_listeners_of_notify_controls_with_the_channel_name()
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Notification += (_, e) => heard.TrySetResult(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ChannelControlStore.WakeUpChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await _store.PauseAsync(ChannelNames.Push, "apns", "certificate rotation", "oncall", default);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await connection.WaitAsync(timeout.Token);

        Assert.Equal("push", await heard.Task.WaitAsync(TimeSpan.FromSeconds(1)));
    }

    public static TheoryData<string, string?, string?, string?, string, string> Refused => new()
    {
        { "fax", null, "why", "who", "channel", "channel: 'fax' is not a channel; expected one of email, sms, whatsapp, webhook, push." },
        { "", null, "why", "who", "channel", "channel: '' is not a channel" },
        { "SMS", null, "why", "who", "channel", "channel: 'SMS' is not a channel" },
        { "sms", "sendgrid", "why", "who", "provider", "provider: 'sendgrid' is not a provider of sms; expected one of twilio, or none for the whole channel." },
        { "email", "sendgird", "why", "who", "provider", "provider: 'sendgird' is not a provider of email; expected one of sendgrid, smtp" },
        { "sms", null, null, "who", "reason", "reason: required" },
        { "sms", null, "   ", "who", "reason", "reason: required" },
        { "sms", null, new string('x', 501), "who", "reason", "reason: 501 characters; at most 500." },
        { "sms", null, "line one\nforged line", "who", "reason", "reason: must be one line without control characters" },
        { "sms", null, "why", "", "actor", "actor: required" },
        { "sms", null, "why", null, "actor", "actor: required" },
        { "sms", null, "why", new string('a', 201), "actor", "actor: 201 characters; at most 200." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_pause_or_resume_with_a_bad_field_is_refused_naming_the_field_and_changes_nothing(
        string channel, string? provider, string? reason, string? actor, string field, string message)
    {
        var pause = await Assert.ThrowsAsync<ArgumentException>(() => _store.PauseAsync(channel, provider, reason!, actor!, default));
        var resume = await Assert.ThrowsAsync<ArgumentException>(() => _store.ResumeAsync(channel, provider, reason!, actor!, default));

        Assert.All([pause, resume], ex =>
        {
            Assert.Equal(field, ex.ParamName);
            Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
        });
        Assert.Equal(0L, await _database.ScalarAsync<long>(
            "SELECT (SELECT count(*) FROM notify.channel_controls) + (SELECT count(*) FROM notify.channel_control_events) WHERE @id IS NOT NULL", Guid.Empty));
    }

    [Fact]
    public async Task The_history_cannot_be_rewritten_or_deleted()
    {
        await _store.PauseAsync(ChannelNames.Sms, null, "carrier incident", "alice", default);

        var update = await Assert.ThrowsAsync<PostgresException>(() => _database.ExecuteAsync(
            "UPDATE notify.channel_control_events SET actor = 'mallory' WHERE @id IS NOT NULL", Guid.Empty));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => _database.ExecuteAsync(
            "DELETE FROM notify.channel_control_events WHERE @id IS NOT NULL", Guid.Empty));

        Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.MessageText, StringComparison.Ordinal);
        Assert.Equal("alice", Assert.Single(await _store.HistoryAsync(ChannelNames.Sms, 10, default)).Actor);
    }

    [Fact]
    public void The_provider_list_matches_the_providers_each_channel_defines()
    {
        // Each channel project's providers, by the name they store (their Name needs no state).
        var assemblies = new Dictionary<string, System.Reflection.Assembly>
        {
            [ChannelNames.Email] = typeof(Notify.Email.EmailOptions).Assembly,
            [ChannelNames.Sms] = typeof(Notify.Sms.Twilio.TwilioSmsProvider).Assembly,
            [ChannelNames.WhatsApp] = typeof(Notify.WhatsApp.CloudApi.WhatsAppCloudProvider).Assembly,
            [ChannelNames.Webhook] = typeof(Notify.Webhook.Sending.WebhookProvider).Assembly,
            [ChannelNames.Push] = typeof(Notify.Push.Fcm.FcmPushProvider).Assembly,
        };
        foreach (var (channel, assembly) in assemblies)
        {
            var defined = assembly.GetTypes()
                .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IDeliveryProvider).IsAssignableFrom(t))
                .Select(t => ((IDeliveryProvider)RuntimeHelpers.GetUninitializedObject(t)).Name)
                .Order()
                .ToList();
            Assert.Equal(defined, ProviderNames.For(channel).Order().ToList());
        }
    }
}
