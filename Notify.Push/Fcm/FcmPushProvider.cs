using System.Net;
using Microsoft.Extensions.Logging;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Outbox.Privacy;

namespace Notify.Push.Fcm;

/// <summary>
/// Sends FCM deliveries (platform <c>fcm</c>) through FCM HTTP v1 and classifies the answers
/// (providers.md §0 and §4): the <c>FcmError</c> detail's code decides, not the HTTP status alone.
/// </summary>
public sealed class FcmPushProvider(
    FcmMessagesClient client,
    FcmAccessTokenSource tokens,
    FcmCredentials credentials,
    ILogger<FcmPushProvider> logger) : IDeliveryProvider
{
    /// <summary>FCM asks for at least a minute before retrying QUOTA_EXCEEDED when it names no time.</summary>
    public static readonly TimeSpan QuotaBackoff = TimeSpan.FromMinutes(1);

    public string Name => "fcm";

    public bool Handles(ClaimedDelivery delivery) => delivery.Platform == PushPlatforms.Fcm;

    /// <summary>FCM's quota is per Firebase project.</summary>
    public string RateLimitKey(ClaimedDelivery delivery) => $"fcm:{credentials.ProjectId}";

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        if (content.Push is not { } push || (push.Title.Length == 0 && push.Body.Length == 0 && push.Data.Count == 0))
        {
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "NO_CONTENT", ErrorMessage: "The notification has no push content.");
        }
        try
        {
            var accessToken = await tokens.GetAsync(cancellationToken);
            var result = await client.SendAsync(credentials.ProjectId, accessToken, delivery, push, cancellationToken);
            if (IsRejectedAccessToken(result))
            {
                // Our token lapsed or was revoked early: one new token, one more try. A second
                // refusal is a credentials problem for an operator, not something to loop on.
                PushLog.FcmTokenRejected(logger, delivery.Id, RecipientMask.Mask(ChannelNames.Push, delivery.Recipient));
                tokens.Invalidate(accessToken);
                accessToken = await tokens.GetAsync(cancellationToken);
                result = await client.SendAsync(credentials.ProjectId, accessToken, delivery, push, cancellationToken);
            }
            return Classify(result);
        }
        catch (FcmTokenException e)
        {
            return Classify(e);
        }
    }

    /// <summary>401 with no FcmError detail: Google refused our OAuth token itself.</summary>
    public static bool IsRejectedAccessToken(FcmSendResult result) =>
        result.Status == HttpStatusCode.Unauthorized && result.FcmErrorCode is null;

    public static ProviderResult Classify(FcmSendResult result)
    {
        var status = (int)result.Status;
        if (result.Status == HttpStatusCode.OK && result.Name is { Length: > 0 } name)
        {
            return ProviderResult.Sent(name, status);
        }
        // The legacy name of THIRD_PARTY_AUTH_ERROR, as Firebase's own SDK maps it.
        var fcmCode = result.FcmErrorCode == "APNS_AUTH_ERROR" ? "THIRD_PARTY_AUTH_ERROR" : result.FcmErrorCode;
        var code = fcmCode ?? result.CanonicalStatus ?? status.ToString();
        var (outcome, retryAfter) = (result.Status, fcmCode) switch
        {
            (_, "UNREGISTERED") => (ProviderOutcome.Permanent, null),
            (_, "INVALID_ARGUMENT" or "SENDER_ID_MISMATCH") => (ProviderOutcome.Permanent, null),
            (HttpStatusCode.TooManyRequests, _) or (_, "QUOTA_EXCEEDED") => (ProviderOutcome.Retryable, result.RetryAfter ?? QuotaBackoff),
            // Our OAuth token (after the one refresh), the project's IAM grant, or the APNs /
            // web-push credentials uploaded to Firebase: all fixable by an operator.
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) or (_, "THIRD_PARTY_AUTH_ERROR") => (ProviderOutcome.Credentials, (TimeSpan?)null),
            _ when status >= 500 => (ProviderOutcome.Retryable, result.RetryAfter),
            _ when status >= 400 => (ProviderOutcome.Permanent, null),
            _ => (ProviderOutcome.Retryable, result.RetryAfter),
        };
        return new ProviderResult(outcome, ErrorCode: code, ErrorMessage: result.Message, HttpStatus: status, RetryAfter: retryAfter)
        {
            Throttled = result.Status == HttpStatusCode.TooManyRequests,
            SuppressReason = fcmCode == "UNREGISTERED" ? "unregistered" : null,
        };
    }

    /// <summary>The token endpoint refused our assertion (credentials) or failed (retry later).</summary>
    public static ProviderResult Classify(FcmTokenException e)
    {
        var status = (int)e.Status;
        var outcome = status is >= 500 or 429 or 408 ? ProviderOutcome.Retryable : ProviderOutcome.Credentials;
        return new ProviderResult(outcome, ErrorCode: e.Error, ErrorMessage: e.Description ?? e.Message, HttpStatus: status);
    }
}
