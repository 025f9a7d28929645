using Google.Rpc;
using Grpc.Core;
using Notify.Grpc.V1;

namespace Notify.Tests.Infrastructure;

/// <summary>Builders for valid requests that tests then break one field at a time.</summary>
public static class Requests
{
    public static SendRequest Email(string? key = null, string email = "ada@example.com") => new()
    {
        IdempotencyKey = key ?? NewKey(),
        Recipient = new Recipient { Email = email },
        Channels = { Channel.Email },
        Content = new Content { Email = new EmailContent { Subject = "Your code", TextBody = "It is 123456." } },
    };

    public static SendRequest AllChannels(string? key = null) => new()
    {
        IdempotencyKey = key ?? NewKey(),
        Recipient = new Recipient
        {
            Email = "grace@example.com",
            Phone = "+14155550123",
            WebhookUrl = "https://hooks.example.com/notify",
            PushDevices = { new PushDevice { Platform = PushPlatform.Fcm, Token = "fcm-token_123:abc" } },
        },
        Channels = { Channel.Email, Channel.Sms, Channel.Whatsapp, Channel.Webhook, Channel.Push },
        Content = new Content
        {
            Email = new EmailContent { Subject = "Hi", TextBody = "Hello" },
            Sms = new SmsContent { Body = "Hello" },
            Whatsapp = new WhatsAppContent { Text = "Hello" },
            Webhook = new WebhookContent { EventType = "user.greeted" },
            Push = new PushContent { Title = "Hi", Body = "Hello" },
        },
    };

    public static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    /// <summary>The field violations of an INVALID_ARGUMENT, as "field" strings.</summary>
    public static IReadOnlyList<string> ViolatedFields(RpcException exception)
    {
        Assert.Equal(StatusCode.InvalidArgument, exception.StatusCode);
        var badRequest = exception.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        return badRequest.FieldViolations.Select(v => v.Field).ToList();
    }
}
