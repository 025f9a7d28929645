using System.Text.Json;

namespace Notify.Tests.Sandbox.Receipts;

public sealed class WhatsAppReceiptTests(ReceiptFixture fixture) : ReceiptTests(fixture)
{
    private const string Path = "/webhooks/whatsapp";

    [Fact]
    public async Task A_delivered_message_gets_sent_delivered_and_read_statuses_signed_with_the_app_secret()
    {
        var deliveryId = NewDeliveryId();

        var wamid = await Sandbox.SendWhatsAppAsync("15551234567", deliveryId);
        var receipts = await Sandbox.AllAnsweredAsync(deliveryId);

        Assert.Equal(["sent", "delivered", "read"], receipts.Select(r => r.GetProperty("event").GetString()));
        Assert.All(receipts, r => Assert.Equal("http://whatsapp/webhooks/whatsapp", r.GetProperty("url").GetString()));
        var requests = ReceivedFor(Path, deliveryId);
        Assert.Equal(3, requests.Count);
        var statuses = new List<JsonElement>();
        foreach (var request in requests)
        {
            Assert.Equal(ReceiptVerifiers.MetaSignature(ReceiptFixture.WhatsAppAppSecret, request.Body), request.Headers["x-hub-signature-256"]);
            var root = JsonDocument.Parse(request.Body).RootElement;
            Assert.Equal("whatsapp_business_account", root.GetProperty("object").GetString());
            var change = root.GetProperty("entry")[0].GetProperty("changes")[0];
            Assert.Equal("messages", change.GetProperty("field").GetString());
            var value = change.GetProperty("value");
            Assert.Equal("whatsapp", value.GetProperty("messaging_product").GetString());
            Assert.Equal(ReceiptFixture.PhoneNumberId, value.GetProperty("metadata").GetProperty("phone_number_id").GetString());
            statuses.AddRange(value.GetProperty("statuses").EnumerateArray());
        }
        Assert.Equal(["sent", "delivered", "read"], statuses.Select(s => s.GetProperty("status").GetString()));
        Assert.All(statuses, s =>
        {
            Assert.Equal(wamid, s.GetProperty("id").GetString());
            Assert.Equal("15551234567", s.GetProperty("recipient_id").GetString());
            Assert.Equal(deliveryId, s.GetProperty("biz_opaque_callback_data").GetString());
            Assert.Equal(JsonValueKind.String, s.GetProperty("timestamp").ValueKind);
            Assert.Matches("^[0-9]{10}$", s.GetProperty("timestamp").GetString());
            Assert.False(s.TryGetProperty("errors", out _));
        });
    }

    [Theory]
    [InlineData("14155552026", 131026)]
    [InlineData("+14155552049", 131049)]
    [InlineData("14155552050", 131050)]
    [InlineData(ReceiptFixture.ConfiguredWhatsAppNumber, ReceiptFixture.ConfiguredWhatsAppError)]
    public async Task Magic_recipients_are_accepted_then_reported_failed_with_their_error(string to, int code)
    {
        var deliveryId = NewDeliveryId();

        await Sandbox.SendWhatsAppAsync(to, deliveryId);
        await Sandbox.AllAnsweredAsync(deliveryId);

        var request = Assert.Single(ReceivedFor(Path, deliveryId));
        Assert.Equal(ReceiptVerifiers.MetaSignature(ReceiptFixture.WhatsAppAppSecret, request.Body), request.Headers["x-hub-signature-256"]);
        var status = JsonDocument.Parse(request.Body).RootElement
            .GetProperty("entry")[0].GetProperty("changes")[0].GetProperty("value").GetProperty("statuses")[0];
        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Equal(to.TrimStart('+'), status.GetProperty("recipient_id").GetString());
        var error = Assert.Single(status.GetProperty("errors").EnumerateArray());
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error_data").GetProperty("details").GetString()));
    }
}
