using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Notify.Outbox;
using Notify.Receipts;
using Notify.Tests.Infrastructure;
using Notify.WhatsApp.Receipts;

namespace Notify.Tests.Receipts;

/// <summary>Meta's signed WhatsApp status webhooks and subscription handshake as the WhatsApp process receives them.</summary>
public sealed class WhatsAppStatusWebhookTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private const string Secret = "current-app-secret";
    private const string PreviousSecret = "previous-app-secret";
    private OutboxDatabase _database = null!;
    private ReceiptTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _host = await ReceiptTestHost.StartAsync(_database, new Dictionary<string, string?>
        {
            ["Notify:WhatsApp:Receipts:AppSecrets:0"] = Secret,
            ["Notify:WhatsApp:Receipts:AppSecrets:1"] = PreviousSecret,
            ["Notify:WhatsApp:Receipts:VerifyToken"] = "verify-me",
        }, builder => builder.AddWhatsAppReceipts(), app => app.MapWhatsAppReceipts());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public void Metas_published_test_vector_verifies()
    {
        var webhook = new WhatsAppStatusWebhook(Options.Create(new WhatsAppWebhookOptions { AppSecrets = ["secret"], VerifyToken = "x" }));
        var headers = new HeaderDictionary { [WhatsAppStatusWebhook.SignatureHeader] = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914" };

        Assert.True(webhook.Verify(new ReceiptRequest(Encoding.UTF8.GetBytes("test"), headers, new Uri("http://localhost/"))).IsAccepted);
        Assert.Equal(RefusalReasons.BadSignature, webhook.Verify(new ReceiptRequest(Encoding.UTF8.GetBytes("tesT"), headers, new Uri("http://localhost/"))).RefusalReason);
    }

    [Fact]
    public async Task The_subscription_handshake_echoes_the_challenge_only_for_our_verify_token()
    {
        var ok = await _host.Client.GetAsync("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me");
        var wrong = await _host.Client.GetAsync("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess");

        Assert.Equal((HttpStatusCode.OK, "1158201444"), (ok.StatusCode, await ok.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(1L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM notify.receipt_events WHERE refusal_reason = 'bad_verify_token' AND @id IS NOT NULL", Guid.Empty));
    }

    [Fact]
    public async Task Sent_then_delivered_then_read_ends_delivered()
    {
        var id = await SentDeliveryAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var response = await PostAsync(Secret, Statuses((id, "sent", now - 2, null), (id, "delivered", now - 1, null), (id, "read", now, null)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
        Assert.Equal(3L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.receipt_events WHERE delivery_id = @id", id));
    }

    [Fact]
    public async Task A_failed_status_records_metas_code_and_131050_suppresses_the_number()
    {
        var undeliverable = await SentDeliveryAsync();
        var optedOut = await SentDeliveryAsync("+14155552050");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await PostAsync(PreviousSecret, Statuses((undeliverable, "failed", now, 131026), (optedOut, "failed", now, 131050)));

        Assert.Equal(DeliveryStatuses.Failed, await _database.StatusAsync(undeliverable));
        Assert.Equal("131026", await _database.ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", undeliverable));
        Assert.Equal(1L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM notify.suppressions WHERE reason = 'marketing_opt_out' AND address = '+14155552050' AND @id IS NOT NULL", optedOut));
        Assert.Equal(0L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM notify.suppressions WHERE address = '+14155550101' AND @id IS NOT NULL", undeliverable));
    }

    [Fact]
    public async Task A_tampered_or_unsigned_body_is_refused_and_changes_nothing()
    {
        var id = await SentDeliveryAsync();
        var body = Statuses((id, "delivered", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), null));

        var tampered = await PostAsync(Secret, body, tamper: true);
        var wrongSecret = await PostAsync("someone-else", body);
        var unsigned = await _host.Client.PostAsync("/webhooks/whatsapp", ReceiptTestHost.Body(body, "application/json"));

        Assert.All([tampered, wrongSecret, unsigned], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task A_status_delivered_twice_is_stored_once()
    {
        var id = await SentDeliveryAsync();
        var body = Statuses((id, "delivered", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), null));

        await PostAsync(Secret, body);
        var again = await PostAsync(Secret, body);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM notify.receipt_events WHERE delivery_id = @id", id));
    }

    private async Task<Guid> SentDeliveryAsync(string recipient = "+14155550101")
    {
        var id = await _database.SeedAsync(ChannelNames.WhatsApp, recipient);
        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT' WHERE id = @id", id);
        return id;
    }

    private async Task<HttpResponseMessage> PostAsync(string secret, byte[] body, bool tamper = false)
    {
        var signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
        var sent = tamper ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("delivered", "delivereD", StringComparison.Ordinal)) : body;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = ReceiptTestHost.Body(sent, "application/json") };
        request.Headers.Add(WhatsAppStatusWebhook.SignatureHeader, signature);
        return await _host.Client.SendAsync(request);
    }

    private static byte[] Statuses(params (Guid DeliveryId, string Status, long Timestamp, int? ErrorCode)[] statuses)
    {
        var items = statuses.Select(s =>
            $"{{\"id\":\"wamid.{s.DeliveryId:N}\",\"status\":\"{s.Status}\",\"timestamp\":\"{s.Timestamp}\",\"recipient_id\":\"14155550101\"," +
            $"\"biz_opaque_callback_data\":\"{s.DeliveryId}\"" +
            (s.ErrorCode is { } code ? $",\"errors\":[{{\"code\":{code},\"title\":\"Message undeliverable\"}}]" : "") + "}");
        return Encoding.UTF8.GetBytes(
            "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\",\"value\":{" +
            "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"}," +
            "\"statuses\":[" + string.Join(",", items) + "]}}]}]}");
    }
}
