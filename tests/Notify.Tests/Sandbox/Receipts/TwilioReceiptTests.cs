namespace Notify.Tests.Sandbox.Receipts;

public sealed class TwilioReceiptTests(ReceiptFixture fixture) : ReceiptTests(fixture)
{
    private const string Path = "/webhooks/twilio/status";

    [Fact]
    public async Task A_delivered_sms_gets_sent_then_delivered_callbacks_signed_with_the_accounts_token()
    {
        var deliveryId = NewDeliveryId();
        var callback = Sandbox.StatusCallback(deliveryId);

        var sid = await Sandbox.SendSmsAsync("+15558675310", deliveryId, callback);
        var receipts = await Sandbox.AllAnsweredAsync(deliveryId);

        Assert.Equal(["sent", "delivered"], receipts.Select(r => r.GetProperty("event").GetString()));
        Assert.All(receipts, r => Assert.Equal(callback, r.GetProperty("url").GetString()));
        var requests = ReceivedFor(Path, deliveryId);
        Assert.Equal(2, requests.Count);
        var forms = requests.Select(r => ReceiptVerifiers.ParseForm(r.Body).ToDictionary(p => p.Key, p => p.Value)).ToList();
        Assert.Equal(["sent", "delivered"], forms.Select(f => f["MessageStatus"]));
        foreach (var (request, form) in requests.Zip(forms))
        {
            Assert.Equal("application/x-www-form-urlencoded", request.Headers["content-type"].Split(';')[0]);
            Assert.Equal(ReceiptVerifiers.TwilioSignature(ReceiptFixture.TwilioToken, callback, form), request.Headers["x-twilio-signature"]);
            Assert.NotEqual(ReceiptVerifiers.TwilioSignature("another-token", callback, form), request.Headers["x-twilio-signature"]);
            Assert.Equal(sid, form["MessageSid"]);
            Assert.Equal(sid, form["SmsSid"]);
            Assert.Equal(ReceiptFixture.TwilioSid, form["AccountSid"]);
            Assert.Equal("+15005550006", form["From"]);
            Assert.Equal("+15558675310", form["To"]);
            Assert.Equal(form["MessageStatus"], form["SmsStatus"]);
            Assert.Equal("2010-04-01", form["ApiVersion"]);
            Assert.False(form.ContainsKey("ErrorCode"));
        }
        var tokens = requests.Select(r => r.Headers["i-twilio-idempotency-token"]).ToList();
        Assert.All(tokens, t => Assert.False(string.IsNullOrWhiteSpace(t)));
        Assert.Equal(2, tokens.Distinct().Count());
    }

    [Theory]
    [InlineData("+14155530003", 30003)]
    [InlineData("+14155530005", 30005)]
    [InlineData("+14155530006", 30006)]
    [InlineData("+14155530007", 30007)]
    [InlineData(ReceiptFixture.ConfiguredTwilioNumber, ReceiptFixture.ConfiguredTwilioError)]
    public async Task Magic_recipients_end_undelivered_with_their_error_code(string to, int errorCode)
    {
        var deliveryId = NewDeliveryId();

        await Sandbox.SendSmsAsync(to, deliveryId, Sandbox.StatusCallback(deliveryId));
        await Sandbox.AllAnsweredAsync(deliveryId);

        var forms = ReceivedFor(Path, deliveryId).Select(r => ReceiptVerifiers.ParseForm(r.Body).ToDictionary(p => p.Key, p => p.Value)).ToList();
        Assert.Equal(["sent", "undelivered"], forms.Select(f => f["MessageStatus"]));
        Assert.False(forms[0].ContainsKey("ErrorCode"));
        Assert.Equal(errorCode.ToString(), forms[1]["ErrorCode"]);
        Assert.Equal("undelivered", forms[1]["SmsStatus"]);
    }

    [Fact]
    public async Task A_send_without_a_StatusCallback_gets_no_callbacks()
    {
        var silent = NewDeliveryId();
        var reported = NewDeliveryId();

        await Sandbox.SendSmsAsync("+15558675310", silent, statusCallback: null);
        await Sandbox.SendSmsAsync("+15558675310", reported, Sandbox.StatusCallback(reported));
        await Sandbox.AllAnsweredAsync(reported);

        Assert.Empty(await Sandbox.ReceiptsAsync(silent));
        Assert.Equal(2, (await Sandbox.ReceiptsAsync(reported)).Length);
    }
}
