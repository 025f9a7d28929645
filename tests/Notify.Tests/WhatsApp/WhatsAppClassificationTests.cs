using Notify.Delivery.Providers;
using Notify.WhatsApp.CloudApi;

namespace Notify.Tests.WhatsApp;

/// <summary>The Cloud API's answers sorted as providers.md §0 and §3 say: by error code first.</summary>
public sealed class WhatsAppClassificationTests
{
    [Theory]
    [InlineData(400, 131026, ProviderOutcome.Permanent)]
    [InlineData(400, 131047, ProviderOutcome.Permanent)]
    [InlineData(400, 131048, ProviderOutcome.Permanent)]
    [InlineData(400, 131050, ProviderOutcome.Permanent)]
    [InlineData(400, 132000, ProviderOutcome.Permanent)]
    [InlineData(404, 132001, ProviderOutcome.Permanent)]
    [InlineData(400, 100, ProviderOutcome.Permanent)]
    [InlineData(429, 130429, ProviderOutcome.Retryable)]
    [InlineData(400, 131056, ProviderOutcome.Retryable)]
    [InlineData(400, 80007, ProviderOutcome.Retryable)]
    [InlineData(400, 4, ProviderOutcome.Retryable)]
    [InlineData(500, 131000, ProviderOutcome.Retryable)]
    [InlineData(503, 2, ProviderOutcome.Retryable)]
    [InlineData(500, 1, ProviderOutcome.Retryable)]
    [InlineData(503, 131016, ProviderOutcome.Retryable)]
    [InlineData(401, 190, ProviderOutcome.Credentials)]
    [InlineData(403, 10, ProviderOutcome.Credentials)]
    [InlineData(403, 200, ProviderOutcome.Credentials)]
    // Meta says to key on the code: a listed code wins over an unusual status.
    [InlineData(500, 131026, ProviderOutcome.Permanent)]
    [InlineData(400, 131000, ProviderOutcome.Retryable)]
    // Codes not listed fall back to the status.
    [InlineData(400, 135000, ProviderOutcome.Permanent)]
    [InlineData(502, 135000, ProviderOutcome.Retryable)]
    [InlineData(403, 135000, ProviderOutcome.Credentials)]
    public void Errors_are_classified_by_code(int status, int code, ProviderOutcome expected)
    {
        var result = WhatsAppAnswers.Classify(Error(status, code), attemptNumber: 1);

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(code.ToString(), result.ErrorCode);
        Assert.Equal(status, result.HttpStatus);
    }

    [Theory]
    [InlineData(429, 130429)]
    [InlineData(400, 80007)]
    [InlineData(400, 4)]
    [InlineData(400, 131057)]
    public void Number_wide_limits_throttle_the_phone_number_for_retry_after(int status, int code)
    {
        var result = WhatsAppAnswers.Classify(Error(status, code, retryAfter: TimeSpan.FromSeconds(7)), attemptNumber: 1);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.True(result.Throttled);
        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
    }

    [Fact]
    public void Throughput_throttling_without_retry_after_still_pauses()
    {
        var result = WhatsAppAnswers.Classify(Error(429, 130429), attemptNumber: 1);

        Assert.True(result.Throttled);
        Assert.Equal(TimeSpan.FromSeconds(1), result.RetryAfter);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 4)]
    [InlineData(3, 16)]
    public void The_pair_rate_limit_backs_off_4_to_the_x_seconds_for_that_recipient_only(int attempt, int seconds)
    {
        var result = WhatsAppAnswers.Classify(Error(400, 131056), attempt);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.False(result.Throttled);
        Assert.Equal(TimeSpan.FromSeconds(seconds), result.RetryAfter);
    }

    [Fact]
    public void A_marketing_opt_out_suppresses_the_recipient()
    {
        var result = WhatsAppAnswers.Classify(Error(400, 131050), attemptNumber: 1);

        Assert.Equal(WhatsAppAnswers.MarketingOptOut, result.SuppressReason);
    }

    [Theory]
    [InlineData(131026)]
    [InlineData(131047)]
    [InlineData(132001)]
    public void Other_permanent_errors_do_not_suppress_the_address(int code)
    {
        Assert.Null(WhatsAppAnswers.Classify(Error(400, code), attemptNumber: 1).SuppressReason);
    }

    [Theory]
    [InlineData(429, ProviderOutcome.Retryable, true)]
    [InlineData(502, ProviderOutcome.Retryable, false)]
    [InlineData(401, ProviderOutcome.Credentials, false)]
    [InlineData(400, ProviderOutcome.Permanent, false)]
    public void Answers_without_a_graph_error_are_classified_by_status(int status, ProviderOutcome expected, bool throttled)
    {
        var result = WhatsAppAnswers.Classify(new WhatsAppSendResult(status, null, null, null, null), attemptNumber: 1);

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(throttled, result.Throttled);
        Assert.Equal(status.ToString(), result.ErrorCode);
    }

    [Fact]
    public void A_200_with_a_wamid_is_sent_with_that_id()
    {
        var result = WhatsAppAnswers.Classify(new WhatsAppSendResult(200, "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA", "accepted", null, null), 1);

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Equal("wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA", result.ProviderMessageId);
    }

    [Fact]
    public void A_200_without_a_wamid_is_not_taken_for_sent()
    {
        var result = WhatsAppAnswers.Classify(new WhatsAppSendResult(200, null, null, null, null), 1);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal("MALFORMED_RESPONSE", result.ErrorCode);
    }

    [Fact]
    public void The_error_message_keeps_details_subcode_and_trace_id()
    {
        var answer = new WhatsAppSendResult(401, null, null,
            new GraphError(190, 463, "Error validating access token: Session has expired", "OAuthException", null, "AbC123trace"), null);

        var result = WhatsAppAnswers.Classify(answer, 1);

        Assert.Equal("190", result.ErrorCode);
        Assert.Contains("Session has expired", result.ErrorMessage);
        Assert.Contains("subcode 463", result.ErrorMessage);
        Assert.Contains("fbtrace_id AbC123trace", result.ErrorMessage);
    }

    private static WhatsAppSendResult Error(int status, int code, TimeSpan? retryAfter = null)
        => new(status, null, null, new GraphError(code, null, $"(#{code}) error", "OAuthException", "details", "trace"), retryAfter);
}
