using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Outbox.Privacy;

namespace Notify.Push.Apns;

/// <summary>
/// Sends APNs deliveries (platform <c>apns</c>, hex device tokens) and classifies Apple's answers
/// by their <c>reason</c> (providers.md §0 and §5).
/// </summary>
public sealed class ApnsPushProvider(
    ApnsClient client,
    ApnsProviderToken providerToken,
    IOptions<ApnsOptions> options,
    ILogger<ApnsPushProvider> logger) : IDeliveryProvider
{
    private readonly ApnsOptions _options = options.Value;

    public string Name => "apns";

    public bool Handles(ClaimedDelivery delivery) => delivery.Platform == PushPlatforms.Apns;

    /// <summary>One connection's worth of limits per team and app.</summary>
    public string RateLimitKey(ClaimedDelivery delivery) => $"apns:{_options.TeamId}:{_options.Topic}";

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        if (content.Push is not { } push || (push.Title.Length == 0 && push.Body.Length == 0 && push.Data.Count == 0))
        {
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "NO_CONTENT", ErrorMessage: "The notification has no push content.");
        }
        var notification = ApnsNotification.Create(delivery, push, _options.Priority);
        var token = providerToken.Current;
        var result = await client.SendAsync(delivery.Recipient, notification, delivery.Id, delivery.ExpiresAt, token, cancellationToken);
        if (result.Reason is "ExpiredProviderToken" or "InvalidProviderToken")
        {
            var replaced = providerToken.Reject(token);
            PushLog.ApnsTokenRejected(logger, result.Reason, replaced, delivery.Id, RecipientMask.Mask(ChannelNames.Push, delivery.Recipient));
        }
        return Classify(result);
    }

    public static ProviderResult Classify(ApnsSendResult result)
    {
        var status = (int)result.Status;
        if (result.Status == HttpStatusCode.OK)
        {
            return ProviderResult.Sent(result.ApnsId ?? "", status);
        }
        var code = result.Reason ?? status.ToString();
        var outcome = (result.Status, result.Reason) switch
        {
            // The token is no longer (or never was) a device of this app: never send to it again.
            (HttpStatusCode.Gone, _) or (_, "BadDeviceToken") => ProviderOutcome.Permanent,
            // A connection APNs idled out: a new one will do.
            (_, "IdleTimeout" or "Shutdown") => ProviderOutcome.Retryable,
            (HttpStatusCode.TooManyRequests, _) => ProviderOutcome.Retryable,
            (HttpStatusCode.Forbidden, _) => ProviderOutcome.Credentials,
            _ when status >= 500 => ProviderOutcome.Retryable,
            _ when status >= 400 => ProviderOutcome.Permanent,
            _ => ProviderOutcome.Retryable,
        };
        var gone = result.Status == HttpStatusCode.Gone || result.Reason == "BadDeviceToken";
        var message = result.Timestamp is { } ms
            ? $"APNs: {code} since {DateTimeOffset.FromUnixTimeMilliseconds(ms):O}."
            : $"APNs: {code}.";
        return new ProviderResult(outcome, ErrorCode: code, ErrorMessage: message, HttpStatus: status, RetryAfter: result.RetryAfter)
        {
            // 429 TooManyRequests (one device too often) and TooManyProviderTokenUpdates: hold
            // this team's sends back everywhere, not only this delivery.
            Throttled = result.Status == HttpStatusCode.TooManyRequests,
            SuppressReason = gone ? "unregistered" : null,
        };
    }
}
