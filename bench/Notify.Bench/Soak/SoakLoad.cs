using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Notify.Bench.Load;
using Notify.Bench.Recording;
using Notify.Grpc.V1;

namespace Notify.Bench.Soak;

/// <summary>
/// The soak's mixed notifications: all five channels (mostly one channel each, some on
/// several), a share rendered from the tenant's templates, and a share to recipients the
/// sandbox refuses permanently (<see cref="RejectPatterns"/>), so dead letters happen. Keys are
/// <c>soak-{run}-{n}</c>; recipients vary with n.
/// </summary>
internal sealed class SoakNotifications(string runId, Uri sandbox)
{
    public const string TemplateId = "soak-welcome";

    /// <summary>Every <c>RejectEvery</c>-th notification goes to a refused recipient (~5 %; 21 is prime to the 5 channels, so all get some).</summary>
    public const int RejectEvery = 21;

    /// <summary>The sandbox's invalid-recipient pattern per provider, matching the refused recipients made here.</summary>
    public static readonly IReadOnlyDictionary<string, string> RejectPatterns = new Dictionary<string, string>
    {
        ["sendgrid"] = "^reject\\.",
        ["smtp"] = "^reject\\.",
        ["twilio"] = "^\\+1212",
        ["whatsapp"] = "^\\+?1212",
        ["fcm"] = "^reject-",
        ["apns"] = "^dead",
        ["webhook"] = "^reject-",
    };

    private static readonly Channel[] Channels = [Channel.Email, Channel.Sms, Channel.Whatsapp, Channel.Webhook, Channel.Push];

    private long _sequence;

    public SendRequest Next()
    {
        var n = Interlocked.Increment(ref _sequence);
        var reject = n % RejectEvery == 0;
        // About one in eleven goes to three channels; the rest to one, in turn.
        var channels = n % 11 == 3
            ? new[] { Channels[n % 5], Channels[(n + 1) % 5], Channels[(n + 3) % 5] }
            : [Channels[n % 5]];
        var request = new SendRequest
        {
            IdempotencyKey = $"soak-{runId}-{n}",
            Recipient = Recipient(n, reject),
            Channels = { channels },
            CorrelationId = $"soak-{runId}",
        };
        // A template for e-mail and SMS alone, every 7th: the templated path renders at send time.
        if (n % 7 == 0 && channels.All(c => c is Channel.Email or Channel.Sms))
        {
            request.Template = new TemplateRef
            {
                TemplateId = TemplateId,
                Data = new Struct { Fields = { ["name"] = Value.ForString($"user {n}"), ["code"] = Value.ForNumber(n % 1_000_000) } },
            };
        }
        else
        {
            request.Content = Content(n);
        }
        return request;
    }

    private Recipient Recipient(long n, bool reject)
    {
        var digits = (n % 10_000).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
        var phone = (reject ? "+1212555" : "+1415555") + digits;
        var recipient = new Recipient
        {
            Email = reject ? $"reject.{runId}.{n}@example.com" : $"soak.{runId}.{n}@example.com",
            Phone = phone,
            Whatsapp = phone,
            WebhookUrl = new Uri(sandbox, $"/webhooks/{(reject ? "reject" : "soak")}-{n % 50}").ToString(),
        };
        recipient.PushDevices.Add(n % 2 == 0
            ? new PushDevice { Platform = PushPlatform.Fcm, Token = $"{(reject ? "reject" : "soak")}-{runId}-{n}:APA91b0123456789" }
            : new PushDevice { Platform = PushPlatform.Apns, Token = (reject ? "dead" : "beef") + Convert.ToHexStringLower(BitConverter.GetBytes(n)).PadLeft(60, '0') });
        return recipient;
    }

    private static Content Content(long n) => new()
    {
        Email = new EmailContent { Subject = "Notify soak", TextBody = $"Soak notification {n}. It is safe to ignore." },
        Sms = new SmsContent { Body = $"Notify soak {n}" },
        Whatsapp = new WhatsAppContent { Text = $"Notify soak {n}" },
        Webhook = new WebhookContent { EventType = "soak.tick", Payload = new Struct { Fields = { ["n"] = Value.ForNumber(n) } } },
        Push = new PushContent { Title = "Notify soak", Body = $"Notification {n}" },
    };

    /// <summary>The templates the templated share uses, one per channel.</summary>
    public static IEnumerable<PutTemplateRequest> Templates() =>
    [
        new PutTemplateRequest { TemplateId = TemplateId, Channel = Channel.Email, Subject = "Welcome, {{ name }}", Body = "Hello {{ name }}, your code is {{ code }}.", Description = "soak" },
        new PutTemplateRequest { TemplateId = TemplateId, Channel = Channel.Sms, Body = "Hello {{ name }}, your code is {{ code }}.", Description = "soak" },
    ];
}

/// <summary>One call of the soak: a unary Send (3 of 4 calls) or a SendBatch of <see cref="BatchSize"/> (1 of 4).</summary>
internal sealed class SoakCaller(NotifyService.NotifyServiceClient client, SoakNotifications notifications, int index) : INotifyCaller
{
    public const int BatchSize = 10;

    /// <summary>Notifications per call on average, to turn a notification rate into a call rate.</summary>
    public const double NotificationsPerCall = (3 * 1 + BatchSize) / 4.0;

    private long _calls = index;

    public async Task<CallOutcome> CallAsync(CallOptions options)
    {
        if (_calls++ % 4 != 3)
        {
            var response = await client.SendAsync(notifications.Next(), options);
            return new CallOutcome(1, response.Deliveries.Count, response.Replayed ? 1 : 0);
        }

        var batch = new SendBatchRequest();
        for (var i = 0; i < BatchSize; i++)
        {
            batch.Notifications.Add(notifications.Next());
        }
        var answer = await client.SendBatchAsync(batch, options);
        int accepted = 0, deliveries = 0;
        List<ItemError>? rejections = null;
        foreach (var result in answer.Results)
        {
            if (result.Accepted is { } item)
            {
                accepted++;
                deliveries += item.Deliveries.Count;
            }
            else if (result.Error is { } error)
            {
                (rejections ??= []).Add(error);
            }
        }
        return new CallOutcome(accepted, deliveries, 0, rejections);
    }
}
