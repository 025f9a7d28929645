using System.Net;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Topology;

/// <summary>
/// Nothing private in any output (issue 6, item 9): a scenario on every channel with
/// real-looking recipients and bodies, through the paths that tend to print what they hold —
/// a retry, permanent provider rejections, receipts with bad signatures, requests refused by
/// validation or for a bad API key — then every line every process wrote (console, and the logs,
/// traces and metrics exported over OTLP) is searched: no recipient unmasked, no body, template
/// value, API key, token, private key or configured secret at all. The admin API is called too
/// (a tenant created, dead letters looked at, a forged token refused).
/// </summary>
[Collection(PrivacyTopologyFixture.Collection)]
public sealed class PrivacyLogTests(PrivacyTopologyFixture topology)
{
    private readonly PrivateValueScan _private = new();
    private readonly List<(string Id, Metadata Key)> _notifications = [];
    private readonly HttpClient _http = new();

    [Fact]
    public async Task No_process_output_carries_a_recipient_unmasked_or_any_body_token_key_or_secret()
    {
        _private.AddAll(topology.Secrets);
        _private.AddAll(topology.SecretsInEnvironment());
        var developmentKey = topology.DevelopmentKey;
        var secondKey = new Metadata { { "authorization", "Bearer " + topology.SecondApiKey } };
        var (email, phone, whatsApp) = (Recipient("email", $"privacy.ada.{topology.Run}@example.com"), Phone("phone"), Phone("WhatsApp number"));
        var (fcmToken, apnsToken) = (Recipient("FCM token", $"dPrv{topology.Run}:APA91b{Hex(40)}"), Recipient("APNs token", Hex(64)));
        var webhookPathSecret = Private("webhook URL path secret");
        var webhookQuerySecret = Private("webhook URL query secret");
        var webhookUrl = topology.Sandbox($"/webhooks/{webhookPathSecret}?token={webhookQuerySecret}").ToString();

        // Every channel with inline content; the webhook endpoint fails its first request, so it is retried.
        await topology.SetFaultsAsync(new { provider = "webhook", serverErrorPercent = 1 });
        await SendAsync(developmentKey, new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Recipient = new Recipient
            {
                Email = email,
                Phone = phone,
                Whatsapp = whatsApp,
                WebhookUrl = webhookUrl,
                PushDevices =
                {
                    new PushDevice { Platform = PushPlatform.Fcm, Token = fcmToken },
                    new PushDevice { Platform = PushPlatform.Apns, Token = apnsToken },
                },
            },
            Channels = { Channel.Email, Channel.Sms, Channel.Whatsapp, Channel.Webhook, Channel.Push },
            Metadata = { ["customer-note"] = Private("metadata value") },
            Content = new Content
            {
                Email = new EmailContent { Subject = Private("email subject"), TextBody = Private("email text body"), HtmlBody = $"<p>{Private("email HTML body")}</p>" },
                Sms = new SmsContent { Body = Private("SMS body") },
                Whatsapp = new WhatsAppContent { Text = Private("WhatsApp text") },
                Webhook = new WebhookContent
                {
                    EventType = "invoice.paid",
                    Payload = new Struct { Fields = { ["card_holder"] = Value.ForString(Private("webhook payload value")) } },
                },
                Push = new PushContent { Title = Private("push title"), Body = Private("push body"), Data = { ["session"] = Private("push data value") } },
            },
        });

        // A WhatsApp template with parameters, and a tenant's own templates with data.
        await SendAsync(developmentKey, new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Recipient = new Recipient { Whatsapp = whatsApp },
            Channels = { Channel.Whatsapp },
            Content = new Content
            {
                Whatsapp = new WhatsAppContent
                {
                    TemplateName = "order_update_v1",
                    TemplateLanguage = "en_US",
                    TemplateParameters = { Private("WhatsApp template parameter 1"), Private("WhatsApp template parameter 2") },
                },
            },
        });
        var templateId = "privacy-" + topology.Run;
        foreach (var channel in new[] { Channel.Email, Channel.Sms })
        {
            await topology.Client.PutTemplateAsync(new PutTemplateRequest
            {
                TemplateId = templateId,
                Channel = channel,
                Subject = channel == Channel.Email ? "Order {{ order }}" : "",
                Body = $"Hello {{{{ name }}}}, order {{{{ order }}}}: {Private($"{channel} template text")}",
            }, secondKey);
        }
        await SendAsync(secondKey, new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Recipient = new Recipient { Email = email, Phone = phone },
            Channels = { Channel.Email, Channel.Sms },
            Template = new TemplateRef
            {
                TemplateId = templateId,
                Data = new Struct
                {
                    Fields = { ["name"] = Value.ForString(Private("template data value")), ["order"] = Value.ForString(Private("template data order")) },
                },
            },
        });

        // Permanent rejections by the providers (the patterns never spell the recipient out: the
        // sandbox logs the faults it is given).
        var (rejectedEmail, rejectedPhone, rejectedApns) = (Recipient("rejected email", $"privacy.gone.{topology.Run}@example.com"), Phone("rejected phone"), Recipient("rejected APNs token", Hex(64)));
        await topology.SetFaultsAsync(new { provider = "sendgrid", invalidRecipientPattern = Pattern(rejectedEmail) });
        await topology.SetFaultsAsync(new { provider = "twilio", invalidRecipientPattern = Pattern(rejectedPhone) });
        await topology.SetFaultsAsync(new { provider = "apns", invalidRecipientPattern = Pattern(rejectedApns) });
        await SendAsync(secondKey, new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Recipient = new Recipient
            {
                Email = rejectedEmail,
                Phone = rejectedPhone,
                PushDevices = { new PushDevice { Platform = PushPlatform.Apns, Token = rejectedApns } },
            },
            Channels = { Channel.Email, Channel.Sms, Channel.Push },
            Content = new Content
            {
                Email = new EmailContent { Subject = Private("rejected subject"), TextBody = Private("rejected email body") },
                Sms = new SmsContent { Body = Private("rejected SMS body") },
                Push = new PushContent { Title = Private("rejected push title"), Body = Private("rejected push body") },
            },
        });

        // Suppressions through the API.
        var suppressed = Recipient("suppressed email", $"privacy.stop.{topology.Run}@example.com");
        await topology.Client.AddSuppressionAsync(new AddSuppressionRequest { Channel = Channel.Email, Address = suppressed }, developmentKey);
        await topology.Client.ListSuppressionsAsync(new ListSuppressionsRequest(), developmentKey);

        // The admin API: a tenant created (its key is in the answer only), a bad admin token.
        var created = await topology.Admin.CreateTenantAsync(new CreateTenantRequest { Name = "privacy-admin-" + topology.Run }, topology.AdminHeaders("admin"));
        _private.Add("admin-created API key", created.ApiKey);
        var forged = await Assert.ThrowsAsync<RpcException>(() => topology.Admin.ListTenantsAsync(new ListTenantsRequest(),
            new Metadata { { "authorization", "Bearer " + Private("forged admin token") } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);

        await RefusedRequestsAsync(developmentKey);
        await RefusedReceiptsAsync(email, phone, whatsApp);

        var deliveries = new List<Notify.Grpc.V1.Delivery>();
        foreach (var (notificationId, key) in _notifications)
        {
            deliveries.AddRange(await topology.WaitForFinalAsync(notificationId, key));
        }
        // The failure paths did happen (else the search proves less than it claims).
        var webhook = Assert.Single(deliveries, d => d.Channel == Channel.Webhook);
        Assert.True(webhook.AttemptCount >= 2 && webhook.Status == DeliveryStatus.Delivered, $"webhook: {webhook.Status} after {webhook.AttemptCount} attempts");
        Assert.Contains(deliveries, d => d.Channel == Channel.Sms && d.Status == DeliveryStatus.Dead && d.LastErrorCode == "21211");
        Assert.Contains(deliveries, d => d.Channel == Channel.Push && d.Status == DeliveryStatus.Dead && d.LastErrorCode == "Unregistered");
        Assert.Contains(deliveries, d => d.Channel == Channel.Email && d.Attempts.Any(a => a.Provider == "sendgrid" && a.Outcome == "permanent"));
        Assert.Contains(deliveries, d => d.Channel == Channel.Sms && d.Status == DeliveryStatus.Delivered);
        Assert.Contains(deliveries, d => d.Channel == Channel.Whatsapp && d.Status == DeliveryStatus.Delivered);

        // Operators look at the dead letters the rejections made (recipients masked in the answer).
        var viewer = topology.AdminHeaders("viewer");
        await topology.Admin.ListDeadLetterGroupsAsync(new ListDeadLetterGroupsRequest(), viewer);
        foreach (var dead in deliveries.Where(d => d.Status == DeliveryStatus.Dead))
        {
            await topology.Admin.GetDeadLetterAsync(new GetDeadLetterRequest { DeliveryId = dead.DeliveryId }, viewer);
        }

        // OTLP exporters send in batches about a second apart: let the last ones arrive.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var outputs = Outputs();
        AssertCaptured(outputs, email);

        var finds = _private.Find(outputs);
        Assert.True(finds.Count == 0, $"{finds.Count} private values in the output of the processes:\n" + string.Join("\n", finds));
    }

    /// <summary>Requests the ingress refuses, each carrying private values: bad fields, a bad API key, a key that is not one.</summary>
    private async Task RefusedRequestsAsync(Metadata key)
    {
        var invalid = new SendRequest
        {
            IdempotencyKey = Requests.NewKey(),
            Recipient = new Recipient
            {
                Email = "not an address " + Private("invalid email"),
                Phone = "+1" + Private("invalid phone"),
                WebhookUrl = $"http://10.20.30.40/{Private("internal webhook path")}?key={Private("internal webhook query")}",
            },
            Channels = { Channel.Email, Channel.Sms, Channel.Webhook },
            Content = new Content
            {
                Email = new EmailContent { Subject = Private("invalid request subject") + new string('x', 1000), TextBody = Private("invalid request body") },
                Sms = new SmsContent { Body = Private("invalid request SMS") },
                Webhook = new WebhookContent { EventType = "a b " + Private("invalid event type") },
            },
        };
        var refused = await Assert.ThrowsAsync<RpcException>(() => topology.Client.SendAsync(invalid, key).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var batch = await topology.Client.SendBatchAsync(new SendBatchRequest { Notifications = { invalid } }, key);
        Assert.Equal(1, batch.RejectedCount);

        foreach (var header in new[] { "Bearer nfy_" + Private("unknown API key"), "Bearer " + Private("malformed API key"), Private("no scheme credential") })
        {
            var unauthenticated = await Assert.ThrowsAsync<RpcException>(() => topology.Client.SendAsync(Requests.Email(), new Metadata { { "authorization", header } }).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);
        }
    }

    /// <summary>Receipts with wrong signatures (and a wrong verify token) at each receipt endpoint, carrying recipients and bodies.</summary>
    private async Task RefusedReceiptsAsync(string email, string phone, string whatsApp)
    {
        var sendGrid = new HttpRequestMessage(HttpMethod.Post, topology.Public("email", "/webhooks/sendgrid"))
        {
            Content = new StringContent($$"""[{"email":"{{email}}","event":"delivered","subject":"{{Private("receipt subject")}}"}]""", Encoding.UTF8, "application/json"),
        };
        sendGrid.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", Convert.ToBase64String(RandomNumberGenerator.GetBytes(70)));
        sendGrid.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString());
        await AssertRefusedAsync(sendGrid);

        var twilio = new HttpRequestMessage(HttpMethod.Post, topology.Public("sms", $"/webhooks/twilio/status?delivery_id={Guid.NewGuid()}"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["MessageSid"] = "SM" + Hex(32), ["MessageStatus"] = "delivered", ["To"] = phone, ["Body"] = Private("receipt SMS body"),
            }),
        };
        twilio.Headers.Add("X-Twilio-Signature", Private("bad Twilio signature") + "=");
        await AssertRefusedAsync(twilio);

        var meta = new HttpRequestMessage(HttpMethod.Post, topology.Public("whatsapp", "/webhooks/whatsapp"))
        {
            Content = new StringContent($$$"""{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"statuses":[{"id":"wamid.{{{Hex(16)}}}","status":"delivered","recipient_id":"{{{whatsApp.TrimStart('+')}}}"}],"messages":[{"text":{"body":"{{{Private("receipt WhatsApp text")}}}"}}]}}]}]}""", Encoding.UTF8, "application/json"),
        };
        meta.Headers.Add("X-Hub-Signature-256", "sha256=" + Hex(64));
        await AssertRefusedAsync(meta);

        var wrongToken = topology.Public("whatsapp", $"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={Private("wrong verify token")}&hub.challenge=12345");
        Assert.Equal(HttpStatusCode.Forbidden, (await _http.GetAsync(wrongToken)).StatusCode);
        // Meta's handshake carries the real verify token in the query: it must not be printed either.
        var rightToken = topology.Public("whatsapp", $"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={topology.Secrets["WhatsApp verify token"]}&hub.challenge=12345");
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(rightToken)).StatusCode);
    }

    private async Task AssertRefusedAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task SendAsync(Metadata key, SendRequest request)
    {
        var sent = await topology.Client.SendAsync(request, key);
        _notifications.Add((sent.NotificationId, key));
    }

    /// <summary>Every line of every process and server, and every OTLP export.</summary>
    private List<(string Source, string Text)> Outputs() =>
    [
        .. topology.Logs.Select(l => (l.Replica == 0 ? l.Source : $"{l.Source}#{l.Replica}", l.Text)),
        .. topology.Collector.RawExports.Select(e => ($"OTLP {e.Signal}", e.Text)),
    ];

    /// <summary>
    /// The search only means something if the output was captured: lines from every process, OTLP
    /// logs, and the recipient where it is allowed to be, masked (the sandbox logs every message it
    /// accepts with its masked recipient).
    /// </summary>
    private void AssertCaptured(List<(string Source, string Text)> outputs, string email)
    {
        foreach (var process in new[] { "ingress", "email", "sms", "whatsapp", "webhook", "push", "sandbox" })
        {
            Assert.Contains(outputs, o => o.Source == process);
        }
        var masked = Notify.Outbox.Privacy.RecipientMask.MaskEmail(email);
        Assert.Contains(outputs, o => o.Source == "sandbox" && o.Text.Contains(masked, StringComparison.Ordinal));
        Assert.Contains(outputs, o => o.Source == "OTLP logs" && o.Text.Contains(masked, StringComparison.Ordinal));
    }

    private string Private(string name)
    {
        var value = topology.Marker(name.Replace(' ', '-'));
        _private.Add(name, value);
        return value;
    }

    private string Recipient(string name, string value)
    {
        _private.Add(name, value);
        return value;
    }

    /// <summary>A fresh US number in 415-555 (the sandbox's magic numbers are elsewhere in that range).</summary>
    private string Phone(string name)
    {
        var number = "+1415555" + RandomNumberGenerator.GetInt32(7000, 8000);
        _private.AddPhone(name, number);
        return number;
    }

    /// <summary>A regex matching only <paramref name="recipient"/> without containing it verbatim.</summary>
    private static string Pattern(string recipient) =>
        "^" + System.Text.RegularExpressions.Regex.Escape(recipient[..^1]) + ".$";

    private static string Hex(int digits) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(digits / 2));
}
