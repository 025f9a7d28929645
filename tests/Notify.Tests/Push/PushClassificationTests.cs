using System.Net;
using Notify.Delivery.Providers;
using Notify.Push.Apns;
using Notify.Push.Fcm;

namespace Notify.Tests.Push;

/// <summary>Answers the sandbox does not produce on its own, classified as providers.md §0 says.</summary>
public sealed class PushClassificationTests
{
    [Theory]
    [InlineData(403, "SENDER_ID_MISMATCH", "PERMISSION_DENIED", ProviderOutcome.Permanent, "SENDER_ID_MISMATCH")]
    [InlineData(401, "THIRD_PARTY_AUTH_ERROR", "UNAUTHENTICATED", ProviderOutcome.Credentials, "THIRD_PARTY_AUTH_ERROR")]
    [InlineData(401, "APNS_AUTH_ERROR", "UNAUTHENTICATED", ProviderOutcome.Credentials, "THIRD_PARTY_AUTH_ERROR")]
    [InlineData(401, null, "UNAUTHENTICATED", ProviderOutcome.Credentials, "UNAUTHENTICATED")]
    [InlineData(403, null, "PERMISSION_DENIED", ProviderOutcome.Credentials, "PERMISSION_DENIED")]
    [InlineData(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", ProviderOutcome.Permanent, "INVALID_ARGUMENT")]
    [InlineData(502, null, null, ProviderOutcome.Retryable, "502")]
    [InlineData(503, "UNAVAILABLE", "UNAVAILABLE", ProviderOutcome.Retryable, "UNAVAILABLE")]
    public void Fcm_answers(int status, string? fcmCode, string? canonical, ProviderOutcome outcome, string code)
    {
        var result = FcmPushProvider.Classify(new FcmSendResult((HttpStatusCode)status, null, fcmCode, canonical, "message", null));

        Assert.Equal((outcome, code), (result.Outcome, result.ErrorCode));
        Assert.Null(result.SuppressReason);
    }

    [Fact]
    public void Fcm_429_without_Retry_After_waits_the_minute_FCM_asks_for()
    {
        var result = FcmPushProvider.Classify(new FcmSendResult(HttpStatusCode.TooManyRequests, null, "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED", null, null));

        Assert.Equal((ProviderOutcome.Retryable, true, TimeSpan.FromMinutes(1)), (result.Outcome, result.Throttled, result.RetryAfter));
    }

    [Fact]
    public void Only_a_401_without_an_FcmError_means_our_access_token_was_refused()
    {
        Assert.True(FcmPushProvider.IsRejectedAccessToken(new FcmSendResult(HttpStatusCode.Unauthorized, null, null, "UNAUTHENTICATED", null, null)));
        Assert.False(FcmPushProvider.IsRejectedAccessToken(new FcmSendResult(HttpStatusCode.Unauthorized, null, "THIRD_PARTY_AUTH_ERROR", "UNAUTHENTICATED", null, null)));
    }

    [Theory]
    [InlineData(410, "ExpiredToken", ProviderOutcome.Permanent, true)]
    [InlineData(400, "DeviceTokenNotForTopic", ProviderOutcome.Permanent, false)]
    [InlineData(400, "IdleTimeout", ProviderOutcome.Retryable, false)]
    [InlineData(403, "BadCertificateEnvironment", ProviderOutcome.Credentials, false)]
    [InlineData(429, "TooManyProviderTokenUpdates", ProviderOutcome.Retryable, false)]
    [InlineData(503, "Shutdown", ProviderOutcome.Retryable, false)]
    [InlineData(404, "BadPath", ProviderOutcome.Permanent, false)]
    public void Apns_answers(int status, string reason, ProviderOutcome outcome, bool suppressed)
    {
        var result = ApnsPushProvider.Classify(new ApnsSendResult((HttpStatusCode)status, null, reason, null, null));

        Assert.Equal((outcome, reason), (result.Outcome, result.ErrorCode));
        Assert.Equal(suppressed ? "unregistered" : null, result.SuppressReason);
    }
}
