using System.Net;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;

namespace Notify.Sms.Twilio;

/// <summary>Sends SMS through Twilio and classifies its answers (providers.md §0 and §2).</summary>
public sealed class TwilioSmsProvider(TwilioMessagesClient client) : IDeliveryProvider
{
    // 400-level codes that will never succeed for this recipient or content.
    private static readonly HashSet<int> PermanentCodes = [21211, 21408, 21606, 21608, 21610, 21612, 21614];

    public string Name => "twilio";

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        var body = content.Sms?.Body;
        if (string.IsNullOrEmpty(body))
        {
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "NO_CONTENT", ErrorMessage: "The notification has no SMS body.");
        }
        var result = await client.SendAsync(delivery.Recipient, body, delivery.Id, cancellationToken);
        return Classify(result);
    }

    public static ProviderResult Classify(TwilioSendResult result)
    {
        var status = (int)result.Status;
        var code = result.ErrorCode?.ToString() ?? status.ToString();
        if (result.Status == HttpStatusCode.Created && result.Sid is { } sid)
        {
            return ProviderResult.Sent(sid, status);
        }
        var outcome = result switch
        {
            { Status: HttpStatusCode.TooManyRequests } or { ErrorCode: 20429 } => ProviderOutcome.Retryable,
            { Status: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } or { ErrorCode: 20003 } => ProviderOutcome.Credentials,
            { ErrorCode: { } known } when PermanentCodes.Contains(known) => ProviderOutcome.Permanent,
            _ when status >= 500 => ProviderOutcome.Retryable,
            _ when status >= 400 => ProviderOutcome.Permanent,
            _ => ProviderOutcome.Retryable,
        };
        return new ProviderResult(outcome, ErrorCode: code, ErrorMessage: result.ErrorMessage, HttpStatus: status, RetryAfter: result.RetryAfter)
        {
            Throttled = result.Status == HttpStatusCode.TooManyRequests || result.ErrorCode is 20429,
            // The recipient replied STOP to this sender: Twilio will refuse every message until they reply START.
            SuppressReason = result.ErrorCode is 21610 ? "stop" : null,
        };
    }
}
