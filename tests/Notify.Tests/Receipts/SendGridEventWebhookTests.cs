using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Notify.Email.Receipts;
using Notify.Outbox;
using Notify.Receipts;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Receipts;

/// <summary>SendGrid's Signed Event Webhook as the email process receives it.</summary>
public sealed class SendGridEventWebhookTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    // sendgrid-csharp's published test vector (providers.md §1.3).
    private const string VectorKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    private const string VectorTimestamp = "1600112502";
    private const string VectorSignature = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
    private const string VectorBody = "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";

    private readonly ECDsa _current = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _previous = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private OutboxDatabase _database = null!;
    private ReceiptTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _host = await ReceiptTestHost.StartAsync(_database, new Dictionary<string, string?>
        {
            ["Notify:Email:Receipts:VerificationKeys:0"] = PublicKey(_previous),
            ["Notify:Email:Receipts:VerificationKeys:1"] = PublicKey(_current),
            ["Notify:Receipts:MaxBodyBytes"] = "65536",
        }, builder => builder.AddEmailReceipts(), app => app.MapEmailReceipts());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _database.DisposeAsync();
        _current.Dispose();
        _previous.Dispose();
    }

    [Fact]
    public void Sendgrids_published_test_vector_verifies_and_a_changed_byte_does_not()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(long.Parse(VectorTimestamp, CultureInfo.InvariantCulture) + 30));
        var webhook = Webhook(time, VectorKey);

        Assert.True(webhook.Verify(Request(VectorBody, VectorTimestamp, VectorSignature)).IsAccepted);
        Assert.Equal(RefusalReasons.BadSignature,
            webhook.Verify(Request(VectorBody.Replace("dropped", "dropper", StringComparison.Ordinal), VectorTimestamp, VectorSignature)).RefusalReason);
        Assert.Equal(RefusalReasons.BadSignature, webhook.Verify(Request(VectorBody, "1600112503", VectorSignature)).RefusalReason);
    }

    [Fact]
    public void The_vector_is_refused_when_its_timestamp_is_stale_or_ahead()
    {
        var signedAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(VectorTimestamp, CultureInfo.InvariantCulture));

        Assert.Equal(RefusalReasons.StaleTimestamp,
            Webhook(new FakeTimeProvider(signedAt.AddMinutes(6)), VectorKey).Verify(Request(VectorBody, VectorTimestamp, VectorSignature)).RefusalReason);
        Assert.Equal(RefusalReasons.FutureTimestamp,
            Webhook(new FakeTimeProvider(signedAt.AddMinutes(-3)), VectorKey).Verify(Request(VectorBody, VectorTimestamp, VectorSignature)).RefusalReason);
    }

    [Fact]
    public async Task A_signed_delivered_event_marks_the_delivery_delivered()
    {
        var id = await SentDeliveryAsync();

        var response = await PostAsync(_current, Events(("delivered", id, "ev-" + Guid.NewGuid())));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task Either_key_of_a_rotation_is_accepted()
    {
        var id = await SentDeliveryAsync();

        var response = await PostAsync(_previous, Events(("delivered", id, "ev-" + Guid.NewGuid())));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task A_replayed_event_is_acknowledged_and_ignored()
    {
        var id = await SentDeliveryAsync();
        var eventId = "ev-" + Guid.NewGuid();
        await PostAsync(_current, Events(("bounce", id, eventId)));
        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT' WHERE id = @id", id);   // so a second apply would show

        var replay = await PostAsync(_current, Events(("bounce", id, eventId)));

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.receipt_events WHERE delivery_id = @id", id));
    }

    [Fact]
    public async Task A_tampered_body_wrong_key_or_old_timestamp_is_refused_and_changes_nothing()
    {
        var id = await SentDeliveryAsync();
        var body = Events(("delivered", id, "ev-" + Guid.NewGuid()));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var tampered = await PostAsync(_current, body, tamper: true);
        var wrongKey = await PostAsync(stranger, body);
        var stale = await PostAsync(_current, body, timestamp: now - 301);
        // Well past the 2-minute skew allowed: the posts before this one take time, and one
        // second over would pass once the server's clock has moved on by a second.
        var ahead = await PostAsync(_current, body, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 150);
        var unsigned = await _host.Client.PostAsync("/webhooks/sendgrid", ReceiptTestHost.Body(body, "application/json"));

        Assert.All([tampered, wrongKey, stale, ahead, unsigned], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
        Assert.Equal(
            ["bad_signature", "bad_signature", "future_timestamp", "missing_signature", "stale_timestamp"],
            await RefusalsAsync());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413()
    {
        var id = await SentDeliveryAsync();
        var events = Enumerable.Range(0, 1000).Select(i => ("open", id, $"ev-{i}-{Guid.NewGuid()}")).ToArray();

        var response = await PostAsync(_current, Events(events));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(["too_large"], await RefusalsAsync());
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.receipt_events WHERE delivery_id = @id", id));
    }

    [Fact]
    public async Task A_signed_body_that_is_not_an_event_array_is_refused_as_malformed()
    {
        var response = await PostAsync(_current, Encoding.UTF8.GetBytes("{\"event\":\"delivered\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["malformed"], await RefusalsAsync());
    }

    private async Task<Guid> SentDeliveryAsync()
    {
        var id = await _database.SeedAsync(ChannelNames.Email);
        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT' WHERE id = @id", id);
        return id;
    }

    private async Task<HttpResponseMessage> PostAsync(ECDsa key, byte[] body, long? timestamp = null, bool tamper = false)
    {
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var signature = key.SignData([.. Encoding.UTF8.GetBytes(ts), .. body], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var sent = tamper ? body.Select(b => b == (byte)'d' ? (byte)'D' : b).ToArray() : body;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/sendgrid") { Content = ReceiptTestHost.Body(sent, "application/json") };
        request.Headers.Add(SendGridEventWebhook.SignatureHeader, Convert.ToBase64String(signature));
        request.Headers.Add(SendGridEventWebhook.TimestampHeader, ts);
        return await _host.Client.SendAsync(request);
    }

    private async Task<List<string>> RefusalsAsync()
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT refusal_reason FROM notify.receipt_events WHERE outcome = 'refused' ORDER BY refusal_reason");
        await using var reader = await command.ExecuteReaderAsync();
        var reasons = new List<string>();
        while (await reader.ReadAsync())
        {
            reasons.Add(reader.GetString(0));
        }
        return reasons;
    }

    private static byte[] Events(params (string Type, Guid DeliveryId, string EventId)[] events)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var items = events.Select(e =>
            $"{{\"email\":\"someone@example.com\",\"event\":\"{e.Type}\",\"sg_event_id\":\"{e.EventId}\",\"sg_message_id\":\"m.filter0001\",\"timestamp\":{now},\"delivery_id\":\"{e.DeliveryId}\"{(e.Type == "bounce" ? ",\"type\":\"bounce\",\"status\":\"5.1.1\",\"reason\":\"no such user\"" : "")}}}");
        return Encoding.UTF8.GetBytes("[" + string.Join(",", items) + "]\r\n");
    }

    private static string PublicKey(ECDsa key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    private static SendGridEventWebhook Webhook(TimeProvider time, string key)
        => new(Options.Create(new SendGridEventWebhookOptions { VerificationKeys = [key] }), Options.Create(new ReceiptOptions()), time);

    private static ReceiptRequest Request(string body, string timestamp, string signature)
    {
        var headers = new HeaderDictionary
        {
            [SendGridEventWebhook.SignatureHeader] = signature,
            [SendGridEventWebhook.TimestampHeader] = timestamp,
        };
        return new ReceiptRequest(Encoding.UTF8.GetBytes(body), headers, new Uri("http://localhost/webhooks/sendgrid"));
    }
}
