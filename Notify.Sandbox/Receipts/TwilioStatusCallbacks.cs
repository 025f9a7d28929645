using System.Text;
using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// A Twilio message's status callbacks to its <c>StatusCallback</c>: <c>sent</c>, then
/// <c>delivered</c>, or <c>undelivered</c> with the <c>ErrorCode</c> its magic recipient names
/// (<see cref="TwilioOptions.ReceiptErrors"/>). No callback for the initial status, as Twilio.
/// Each is signed with the sending account's auth token and carries its own
/// <c>I-Twilio-Idempotency-Token</c>, the same on every retry of it.
/// </summary>
public sealed class TwilioStatusCallbacks(IOptions<SandboxOptions> options)
{
    public const string IdempotencyHeader = "I-Twilio-Idempotency-Token";

    public IReadOnlyList<Receipt> Compose(RecordedMessage message, TwilioReceiptContext context)
    {
        var sandbox = options.Value;
        var authToken = sandbox.Twilio.Accounts[context.AccountSid];
        var digits = new string([.. message.Recipient.Where(char.IsAsciiDigit)]);
        int? errorCode = sandbox.Twilio.ReceiptErrors.TryGetValue(digits, out var code) ? code : null;
        string[] statuses = ["sent", errorCode is null ? "delivered" : "undelivered"];

        var receipts = new List<Receipt>(statuses.Length);
        foreach (var status in statuses)
        {
            var parameters = new List<KeyValuePair<string, string>>
            {
                new("MessageSid", message.ProviderMessageId),
                new("SmsSid", message.ProviderMessageId),
                new("AccountSid", context.AccountSid),
                new("To", message.Recipient),
                new("MessageStatus", status),
                new("SmsStatus", status),
                new("ApiVersion", "2010-04-01"),
            };
            if (context.From is { } from)
            {
                parameters.Add(new("From", from));
            }
            if (context.MessagingServiceSid is { } service)
            {
                parameters.Add(new("MessagingServiceSid", service));
            }
            if (status == "undelivered")
            {
                parameters.Add(new("ErrorCode", errorCode!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            var body = Encoding.UTF8.GetBytes(string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));
            receipts.Add(new Receipt(ProviderNames.Twilio, message.DeliveryId, message.ProviderMessageId, message.Recipient, status,
                context.StatusCallback, body, "application/x-www-form-urlencoded; charset=utf-8",
                [
                    new(TwilioSignature.Header, TwilioSignature.Compute(authToken, context.StatusCallback, parameters)),
                    new(IdempotencyHeader, $"{context.AccountSid}-{Guid.CreateVersion7():N}"),
                    new("User-Agent", "TwilioProxy/1.1"),
                ],
                signer: null));
        }
        return receipts;
    }
}
