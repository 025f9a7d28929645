using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Notify.Grpc.V1;

namespace Notify.Cli.Commands.Send;

/// <summary>
/// Turns <c>send</c>'s flags into a SendRequest for one channel: the address field the channel
/// reads, and inline content (with test defaults, so <c>send --channel sms --to +1…</c> is enough)
/// or a template reference.
/// </summary>
public sealed record SendContent(
    Channel Channel,
    string To,
    PushPlatform Platform,
    string? Subject,
    string? Body,
    string EventType,
    string? TemplateId,
    string? Locale,
    IReadOnlyDictionary<string, string> Data)
{
    public const string DefaultSubject = "Notify test message";
    public const string DefaultBody = "This is a test message sent with notifyctl.";

    public SendRequest ToRequest(string idempotencyKey)
    {
        var request = new SendRequest
        {
            IdempotencyKey = idempotencyKey,
            Recipient = Recipient(),
            Channels = { Channel },
            Priority = Priority.Transactional,
            Metadata = { ["source"] = "notifyctl send" },
        };
        if (TemplateId is not null)
        {
            var data = new Struct();
            foreach (var (key, value) in Data)
            {
                data.Fields[key] = Value.ForString(value);
            }
            request.Template = new TemplateRef { TemplateId = TemplateId, Locale = Locale ?? "", Data = data };
        }
        else
        {
            request.Content = Inline();
        }
        return request;
    }

    private Recipient Recipient() => Channel switch
    {
        Channel.Email => new Recipient { Email = To },
        Channel.Sms => new Recipient { Phone = To },
        Channel.Whatsapp => new Recipient { Whatsapp = To },
        Channel.Webhook => new Recipient { WebhookUrl = To },
        _ => new Recipient { PushDevices = { new PushDevice { Platform = Platform, Token = To } } },
    };

    private Content Inline()
    {
        var body = Body ?? DefaultBody;
        return Channel switch
        {
            Channel.Email => new Content { Email = new EmailContent { Subject = Subject ?? DefaultSubject, TextBody = body } },
            Channel.Sms => new Content { Sms = new SmsContent { Body = body } },
            Channel.Whatsapp => new Content { Whatsapp = new WhatsAppContent { Text = body } },
            Channel.Webhook => new Content { Webhook = new WebhookContent { EventType = EventType, Payload = WebhookPayload(body) } },
            _ => new Content { Push = Push(body) },
        };
    }

    private PushContent Push(string body)
    {
        var push = new PushContent { Title = Subject ?? DefaultSubject, Body = body };
        foreach (var (key, value) in Data)
        {
            push.Data[key] = value;
        }
        return push;
    }

    /// <summary>A webhook's payload: <c>--body</c> when it is a JSON object, otherwise <c>{"message": body}</c>.</summary>
    private Struct WebhookPayload(string body)
    {
        if (Body is not null && Body.TrimStart().StartsWith('{'))
        {
            try
            {
                return JsonParser.Default.Parse<Struct>(Body);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new CliException(ExitCodes.Usage, $"--body: not a JSON object for the webhook payload ({e.Message}).");
            }
        }
        return new Struct { Fields = { ["message"] = Value.ForString(body) } };
    }
}
