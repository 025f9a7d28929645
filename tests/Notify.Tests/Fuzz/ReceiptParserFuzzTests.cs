using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Notify.Email.Receipts;
using Notify.Receipts;
using Notify.Sms.Receipts;
using Notify.Sms.Twilio;
using Notify.WhatsApp.Receipts;

namespace Notify.Tests.Fuzz;

/// <summary>
/// Every receipt parser, fed garbage after its signature check has passed (a provider's bug, or a
/// leaked secret): it must return events or refuse with <see cref="MalformedReceiptException"/>
/// (the endpoint's 400). Anything else escapes as a 500, and the provider retries it forever.
/// </summary>
public sealed class ReceiptParserFuzzTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(2_000);

    private static readonly Uri PublicUrl = new("https://notify.example.com/webhooks/x");

    public static TheoryData<string> Providers => ["sendgrid", "twilio", "whatsapp"];

    [Theory]
    [MemberData(nameof(Providers))]
    public void Arbitrary_bytes_parse_or_are_refused_as_malformed(string provider)
    {
        var parser = Parser(provider);
        Check.One(Runs, Prop.ForAll(Arb.From(FuzzInput.Bytes), body => ParsesOrRefuses(parser, body, provider == "twilio" ? "application/x-www-form-urlencoded" : "application/json")));
    }

    [Fact]
    public void SendGrid_shaped_json_with_wrong_types_parses_or_is_refused()
    {
        var gen = FuzzInput.Json("event", "sg_event_id", "sg_message_id", "timestamp", "reason", "type", "status", "email", "notify_delivery_id");
        Check.One(Runs, Prop.ForAll(Arb.From(gen), json => ParsesOrRefuses(Parser("sendgrid"), Encoding.UTF8.GetBytes(json), "application/json")));
    }

    [Fact]
    public void WhatsApp_shaped_json_with_wrong_types_parses_or_is_refused()
    {
        var gen = FuzzInput.Json("object", "entry", "id", "changes", "field", "value", "statuses", "status", "timestamp",
            "recipient_id", "errors", "code", "title", "message", "error_data", "details", "biz_opaque_callback_data", "conversation", "pricing");
        Check.One(Runs, Prop.ForAll(Arb.From(gen), json => ParsesOrRefuses(Parser("whatsapp"), Encoding.UTF8.GetBytes(json), "application/json")));
    }

    [Fact]
    public void Twilio_shaped_forms_and_callback_urls_parse_or_are_refused()
    {
        var key = Gen.OneOf(Gen.Elements("MessageSid", "MessageStatus", "ErrorCode", "AccountSid", "To", "From", "SmsSid", "ApiVersion"), FuzzInput.NastyString);
        var form = Gen.ListOf(Gen.Zip(key, FuzzInput.NastyString))
            .Select(pairs => string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2))));
        var raw = Gen.OneOf(form, FuzzInput.NastyString);
        var query = FuzzInput.NastyString.Select(s => new Uri(PublicUrl, "?delivery_id=" + Uri.EscapeDataString(s)));
        Check.One(Runs, Prop.ForAll(Arb.From(Gen.Zip(raw, query)), input =>
            ParsesOrRefuses(Parser("twilio"), Encoding.UTF8.GetBytes(input.Item1), "application/x-www-form-urlencoded", input.Item2)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void Arbitrary_signature_headers_are_refused_without_throwing(string provider)
    {
        var parser = Parser(provider);
        var headerNames = new[]
        {
            SendGridEventWebhook.SignatureHeader, SendGridEventWebhook.TimestampHeader, "X-Twilio-Signature", "X-Hub-Signature-256",
        };
        var headers = Gen.ListOf(Gen.Zip(Gen.Elements(headerNames), FuzzInput.NastyString));
        Check.One(Runs, Prop.ForAll(Arb.From(Gen.Zip(headers, FuzzInput.Bytes)), input =>
        {
            var dictionary = new HeaderDictionary();
            foreach (var (name, value) in input.Item1)
            {
                dictionary[name] = value;
            }
            return !parser.Verify(new ReceiptRequest(input.Item2, dictionary, PublicUrl)).IsAccepted;
        }));
    }

    private static bool ParsesOrRefuses(IReceiptProvider parser, byte[] body, string contentType, Uri? url = null)
    {
        var headers = new HeaderDictionary { ["Content-Type"] = contentType };
        try
        {
            var events = parser.Parse(new ReceiptRequest(body, headers, url ?? PublicUrl));
            return events.All(e => e.EventType is not null);
        }
        catch (MalformedReceiptException)
        {
            return true;
        }
    }

    private static IReceiptProvider Parser(string provider) => provider switch
    {
        "sendgrid" => new SendGridEventWebhook(
            Options.Create(new SendGridEventWebhookOptions { VerificationKeys = [TestKeys.SendGridPublicKey] }),
            Options.Create(new ReceiptOptions()), TimeProvider.System),
        "twilio" => new TwilioStatusCallback(Options.Create(new TwilioOptions { AccountSid = "AC" + new string('0', 32), AuthToken = "fuzz-auth-token" })),
        "whatsapp" => new WhatsAppStatusWebhook(Options.Create(new WhatsAppWebhookOptions { AppSecrets = ["fuzz-app-secret"], VerifyToken = "t" })),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    private static class TestKeys
    {
        public static readonly string SendGridPublicKey = CreateKey();

        private static string CreateKey()
        {
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
        }
    }
}
