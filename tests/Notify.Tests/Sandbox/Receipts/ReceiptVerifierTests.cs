using System.Text;

namespace Notify.Tests.Sandbox.Receipts;

/// <summary>The tests' own verifiers reproduce each provider's published vector, and refuse a tampered one.</summary>
public sealed class ReceiptVerifierTests
{
    private const string SendGridKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    private const string SendGridTimestamp = "1600112502";
    private const string SendGridSignature = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
    private const string SendGridPayload =
        """[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address","sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA","sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0","smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]""" + "\r\n";

    [Fact]
    public void SendGrids_published_vector_verifies_and_a_changed_body_or_timestamp_does_not()
    {
        var body = Encoding.UTF8.GetBytes(SendGridPayload);

        Assert.True(ReceiptVerifiers.SendGridSignatureIsValid(SendGridKey, SendGridTimestamp, body, SendGridSignature));
        Assert.False(ReceiptVerifiers.SendGridSignatureIsValid(SendGridKey, SendGridTimestamp, Encoding.UTF8.GetBytes(SendGridPayload.TrimEnd()), SendGridSignature));
        Assert.False(ReceiptVerifiers.SendGridSignatureIsValid(SendGridKey, "1600112503", body, SendGridSignature));
    }

    [Fact]
    public void Twilios_published_vector_gives_the_published_signature()
    {
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE",
            ["Caller"] = "+14158675309",
            ["Digits"] = "1234",
            ["From"] = "+14158675309",
            ["To"] = "+18005551212",
        };

        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", ReceiptVerifiers.TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form));
        Assert.NotEqual("RSOYDt4T1cUTdK1PDd93/VVr8B8=", ReceiptVerifiers.TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", form));
    }

    [Fact]
    public void Metas_published_vector_gives_the_published_signature()
    {
        Assert.Equal("sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914",
            ReceiptVerifiers.MetaSignature("secret", Encoding.UTF8.GetBytes("test")));
    }
}
