using Notify.Outbox;
using Notify.Outbox.Receipts;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Receipts;

/// <summary>Storing and applying receipts on a real database: the status machine, duplicates, suppressions, early receipts.</summary>
public sealed class ReceiptStoreTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private OutboxDatabase _database = null!;
    private ReceiptStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _store = new ReceiptStore(_database.DataSource);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task A_delivered_receipt_moves_a_sent_delivery_to_delivered()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sent);
        var at = DateTimeOffset.UtcNow.AddSeconds(-3);

        var result = Assert.Single(await RecordAsync(Event("ev-1", ReceiptKind.Delivered, id, at)));

        Assert.Equal((ReceiptOutcomes.Applied, DeliveryStatuses.Delivered), (result.Outcome, result.StatusAfter));
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
        var deliveredAt = await _database.ScalarAsync<DateTime>("SELECT delivered_at FROM notify.deliveries WHERE id = @id", id);
        Assert.Equal(at.UtcDateTime, deliveredAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal("applied", await _database.ScalarAsync<string>("SELECT outcome FROM notify.receipt_events WHERE delivery_id = @id", id));
    }

    [Fact]
    public async Task A_late_sent_or_failed_receipt_never_overwrites_delivered()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sent);
        var now = DateTimeOffset.UtcNow;
        await RecordAsync(Event("ev-delivered", ReceiptKind.Delivered, id, now));

        var late = await RecordAsync(
            Event("ev-processed", ReceiptKind.Sent, id, now.AddSeconds(-5)),
            Event("ev-bounce", ReceiptKind.Failed, id, now.AddSeconds(1)) with { ErrorCode = "5.1.1" });

        Assert.All(late, r => Assert.Equal(ReceiptOutcomes.Stale, r.Outcome));
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
        Assert.Null(await _database.ScalarAsync<object>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", id) as string);
    }

    [Fact]
    public async Task Events_of_one_request_apply_in_the_order_they_happened()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sent);
        var now = DateTimeOffset.UtcNow;

        // Listed delivered first, but the bounce happened before: delivered is the last word.
        await RecordAsync(
            Event("ev-b", ReceiptKind.Delivered, id, now),
            Event("ev-a", ReceiptKind.Failed, id, now.AddSeconds(-10)) with { ErrorCode = "4.2.2" });

        Assert.Equal(DeliveryStatuses.Failed, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task A_failure_receipt_records_the_providers_code_and_suppresses_the_address()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sent, recipient: "gone@example.com");

        await RecordAsync(Event("ev-bounce", ReceiptKind.Failed, id, DateTimeOffset.UtcNow) with
        {
            ErrorCode = "5.1.1", ErrorMessage = "The email account does not exist.", SuppressReason = "hard_bounce",
        });

        Assert.Equal(DeliveryStatuses.Failed, await _database.StatusAsync(id));
        Assert.Equal("5.1.1", await _database.ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", id));
        Assert.Equal("hard_bounce:receipt", await _database.ScalarAsync<string>(
            "SELECT s.reason || ':' || s.source FROM notify.suppressions s JOIN notify.deliveries d ON d.tenant_id = s.tenant_id " +
            "AND d.channel = s.channel AND d.recipient = s.address WHERE d.id = @id", id));
    }

    [Fact]
    public async Task The_same_event_twice_is_applied_and_stored_once()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sent);
        var receipt = Event("ev-dup", ReceiptKind.Delivered, id, DateTimeOffset.UtcNow);

        var first = Assert.Single(await RecordAsync(receipt));
        var again = await RecordAsync(receipt, receipt);

        Assert.Equal(ReceiptOutcomes.Applied, first.Outcome);
        Assert.All(again, r => Assert.Equal(ReceiptOutcomes.Duplicate, r.Outcome));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.receipt_events WHERE delivery_id = @id", id));
    }

    [Fact]
    public async Task A_receipt_for_an_unknown_delivery_is_stored_and_changes_nothing()
    {
        var unknown = UuidV7.DeliveryId(UuidV7.NewNotificationId(), 0);

        var result = Assert.Single(await RecordAsync(Event("ev-unknown", ReceiptKind.Delivered, unknown, DateTimeOffset.UtcNow)));

        Assert.Equal(ReceiptOutcomes.UnknownDelivery, result.Outcome);
        Assert.Equal("unknown_delivery", await _database.ScalarAsync<string>("SELECT outcome FROM notify.receipt_events WHERE delivery_id = @id", unknown));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.deliveries WHERE id = @id", unknown));
    }

    [Fact]
    public async Task A_receipt_that_beats_the_senders_commit_waits_and_is_applied_after_it()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sending);

        var early = Assert.Single(await RecordAsync(Event("ev-early", ReceiptKind.Delivered, id, DateTimeOffset.UtcNow)));
        Assert.Equal(ReceiptOutcomes.Waiting, early.Outcome);
        Assert.Empty(await _store.ApplyWaitingAsync(ChannelNames.Email, 100, default));   // still sending: still waiting
        Assert.Equal(DeliveryStatuses.Sending, await _database.StatusAsync(id));

        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT' WHERE id = @id", id);   // the worker's completion
        var applied = Assert.Single(await _store.ApplyWaitingAsync(ChannelNames.Email, 100, default));

        Assert.Equal((ReceiptOutcomes.Applied, "sendgrid"), (applied.Outcome, applied.Provider));
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
        Assert.Equal("applied", await _database.ScalarAsync<string>("SELECT outcome FROM notify.receipt_events WHERE delivery_id = @id", id));
    }

    [Fact]
    public async Task A_sent_receipt_stops_the_retry_of_a_call_that_timed_out_at_the_provider()
    {
        var id = await SeedInAsync(DeliveryStatuses.Retrying);

        await RecordAsync(Event("ev-processed", ReceiptKind.Sent, id, DateTimeOffset.UtcNow));

        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task A_refused_request_is_stored_with_its_reason_and_no_event_id()
    {
        await _store.RefuseAsync(ChannelNames.Email, "sendgrid", "bad_signature", default);

        await using var command = _database.DataSource.CreateCommand(
            "SELECT outcome, refusal_reason, event_id IS NULL, delivery_id IS NULL FROM notify.receipt_events WHERE provider = 'sendgrid'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("refused", "bad_signature", true, true), (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
    }

    [Fact]
    public async Task A_receipt_naming_another_delivery_than_its_message_changes_and_suppresses_nothing()
    {
        // Tenant A's message was sent as msg-A; the receipt names tenant B's delivery (sent as msg-B).
        await SentWithMessageIdAsync("msg-A", "a@example.com");
        var other = await SentWithMessageIdAsync("msg-B", "b@example.com");
        await _database.ExecuteAsync($"UPDATE notify.deliveries SET tenant_id = '{Guid.NewGuid()}' WHERE id = @id", other);
        var bounce = Event("ev-steered", ReceiptKind.Failed, other, DateTimeOffset.UtcNow) with
        {
            ProviderMessageId = "msg-A", ErrorCode = "5.1.1", SuppressReason = "hard_bounce",
        };
        var anonymous = Event("ev-no-message", ReceiptKind.Delivered, other, DateTimeOffset.UtcNow) with { ProviderMessageId = null };

        var results = await RecordAsync(bounce, anonymous);

        Assert.All(results, r => Assert.Equal((ReceiptOutcomes.MessageMismatch, (string?)null), (r.Outcome, r.StatusAfter)));
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(other));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.suppressions WHERE address = 'b@example.com' AND @id IS NOT NULL", other));
        Assert.Equal(2L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM notify.receipt_events WHERE delivery_id = @id AND outcome = 'message_mismatch'", other));
    }

    [Fact]
    public async Task A_sendgrid_message_id_matches_the_x_message_id_it_starts_with_and_nothing_else()
    {
        var id = await SentWithMessageIdAsync("LRzXl_NHStOGhQ4kofSm_A", "someone@example.com");

        var longer = Assert.Single(await RecordAsync(Event("ev-longer", ReceiptKind.Delivered, id, DateTimeOffset.UtcNow) with
        {
            ProviderMessageId = "LRzXl_NHStOGhQ4kofSm_AB.filterdrecv-1.0",
        }));
        var own = Assert.Single(await RecordAsync(Event("ev-own", ReceiptKind.Delivered, id, DateTimeOffset.UtcNow) with
        {
            ProviderMessageId = "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
        }));

        Assert.Equal(ReceiptOutcomes.MessageMismatch, longer.Outcome);
        Assert.Equal((ReceiptOutcomes.Applied, DeliveryStatuses.Delivered), (own.Outcome, own.StatusAfter));
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task A_waiting_receipt_is_matched_when_the_send_is_recorded_and_suppresses_only_if_it_matches()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sending, recipient: "waiting@example.com");
        var early = Assert.Single(await RecordAsync(Event("ev-early-bounce", ReceiptKind.Failed, id, DateTimeOffset.UtcNow) with
        {
            ProviderMessageId = "msg-someone-else", ErrorCode = "5.1.1", SuppressReason = "hard_bounce",
        }));
        Assert.Equal(ReceiptOutcomes.Waiting, early.Outcome);

        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT', provider_message_id = 'msg-real' WHERE id = @id", id);
        var swept = Assert.Single(await _store.ApplyWaitingAsync(ChannelNames.Email, 100, default));

        Assert.Equal(ReceiptOutcomes.MessageMismatch, swept.Outcome);
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.suppressions WHERE address = 'waiting@example.com' AND @id IS NOT NULL", id));
    }

    [Fact]
    public async Task A_waiting_bounce_of_the_recorded_message_fails_the_delivery_and_suppresses_when_applied()
    {
        var id = await SeedInAsync(DeliveryStatuses.Sending, recipient: "bounced@example.com");
        await RecordAsync(Event("ev-early-bounce", ReceiptKind.Failed, id, DateTimeOffset.UtcNow) with
        {
            ProviderMessageId = "msg-real", ErrorCode = "5.1.1", SuppressReason = "hard_bounce",
        });
        const string Suppressed = "SELECT count(*) FROM notify.suppressions WHERE address = 'bounced@example.com' AND @id IS NOT NULL";
        Assert.Equal(0L, await _database.ScalarAsync<long>(Suppressed, id));   // not before it is matched

        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT', provider_message_id = 'msg-real' WHERE id = @id", id);
        var swept = Assert.Single(await _store.ApplyWaitingAsync(ChannelNames.Email, 100, default));

        Assert.Equal((ReceiptOutcomes.Applied, DeliveryStatuses.Failed), (swept.Outcome, swept.StatusAfter));
        Assert.Equal(1L, await _database.ScalarAsync<long>(Suppressed, id));
    }

    private Task<IReadOnlyList<ReceiptResult>> RecordAsync(params ReceiptEvent[] events)
        => _store.RecordAsync(ChannelNames.Email, "sendgrid", events, default);

    private static ReceiptEvent Event(string eventId, ReceiptKind kind, Guid deliveryId, DateTimeOffset at)
        => new($"{eventId}-{Guid.NewGuid():N}", kind.ToString().ToLowerInvariant(), kind, deliveryId, "msg-1", at);

    private async Task<Guid> SentWithMessageIdAsync(string providerMessageId, string recipient)
    {
        var id = await SeedInAsync(DeliveryStatuses.Sent, recipient);
        await _database.ExecuteAsync($"UPDATE notify.deliveries SET provider_message_id = '{providerMessageId}' WHERE id = @id", id);
        return id;
    }

    private async Task<Guid> SeedInAsync(string status, string recipient = "someone@example.com")
    {
        var id = await _database.SeedAsync(ChannelNames.Email, recipient);
        await _database.ExecuteAsync($"UPDATE notify.deliveries SET status = '{status}' WHERE id = @id", id);
        return id;
    }
}
