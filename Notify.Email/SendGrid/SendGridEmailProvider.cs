using System.Globalization;
using System.Net;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;

namespace Notify.Email.SendGrid;

/// <summary>Sends email through SendGrid and sorts its answers as providers.md §0 and §1.1 say.</summary>
public sealed class SendGridEmailProvider(SendGridMailClient client) : IDeliveryProvider
{
    public string Name => EmailOptions.SendGrid;

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        if (EmailContentRules.Sendable(content) is not { } email)
        {
            return EmailContentRules.NoContent;
        }
        var result = await client.SendAsync(delivery, email, cancellationToken);
        return Classify(result);
    }

    /// <summary>
    /// 202 with <c>X-Message-Id</c> is sent; 429 is a throttle (wait for <c>Retry-After</c> or
    /// <c>X-RateLimit-Reset</c>); 5xx and 408 are transient; 401/403 are our key's problem;
    /// other 4xx (400 validation, 413 too large…) will never succeed, and a 400's offending
    /// field (<c>personalizations.0.to.0.email</c>) is its error code.
    /// </summary>
    public static ProviderResult Classify(SendGridSendResult result)
    {
        var status = (int)result.Status;
        if (status is >= 200 and < 300)
        {
            return new ProviderResult(ProviderOutcome.Sent, result.MessageId, HttpStatus: status);
        }
        var outcome = result.Status switch
        {
            HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => ProviderOutcome.Retryable,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ProviderOutcome.Credentials,
            _ when status >= 500 => ProviderOutcome.Retryable,
            _ when status >= 400 => ProviderOutcome.Permanent,
            _ => ProviderOutcome.Retryable,
        };
        var code = result.Status == HttpStatusCode.BadRequest && result.ErrorField is { Length: > 0 } field
            ? field
            : status.ToString(CultureInfo.InvariantCulture);
        return new ProviderResult(outcome, ErrorCode: code, ErrorMessage: result.ErrorMessage ?? $"SendGrid answered {status}.",
            HttpStatus: status, RetryAfter: result.RetryAfter)
        {
            Throttled = result.Status == HttpStatusCode.TooManyRequests,
        };
    }
}
