using System.Net;
using Notify.Delivery.Providers;
using Notify.Sms.Twilio;

namespace Notify.Tests.Sms;

/// <summary>Twilio's answers sorted as providers.md §0 says: retry, fix credentials, or give up.</summary>
public sealed class TwilioClassificationTests
{
    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, 20429, ProviderOutcome.Retryable)]
    [InlineData(HttpStatusCode.InternalServerError, 20500, ProviderOutcome.Retryable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, null, ProviderOutcome.Retryable)]
    [InlineData(HttpStatusCode.Unauthorized, 20003, ProviderOutcome.Credentials)]
    [InlineData(HttpStatusCode.BadRequest, 21211, ProviderOutcome.Permanent)]
    [InlineData(HttpStatusCode.BadRequest, 21610, ProviderOutcome.Permanent)]
    [InlineData(HttpStatusCode.BadRequest, 21408, ProviderOutcome.Permanent)]
    [InlineData(HttpStatusCode.BadRequest, 21617, ProviderOutcome.Permanent)]
    public void Errors_are_classified_by_status_and_code(HttpStatusCode status, int? code, ProviderOutcome expected)
    {
        var result = TwilioSmsProvider.Classify(new TwilioSendResult(status, null, code, "message", null));

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(code?.ToString() ?? ((int)status).ToString(), result.ErrorCode);
    }

    [Fact]
    public void A_201_with_a_sid_is_sent_with_that_sid()
    {
        var result = TwilioSmsProvider.Classify(new TwilioSendResult(HttpStatusCode.Created, "SM0123456789abcdef0123456789abcdef", null, null, null));

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Equal("SM0123456789abcdef0123456789abcdef", result.ProviderMessageId);
    }

    [Fact]
    public void Retry_after_is_passed_on()
    {
        var result = TwilioSmsProvider.Classify(new TwilioSendResult(HttpStatusCode.TooManyRequests, null, 20429, null, TimeSpan.FromSeconds(7)));

        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
    }
}
