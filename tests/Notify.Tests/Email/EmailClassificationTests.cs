using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Notify.Delivery.Providers;
using Notify.Email.SendGrid;
using Notify.Email.Smtp;

namespace Notify.Tests.Email;

/// <summary>SendGrid's and an SMTP server's answers sorted as providers.md §0 says: retry, fix credentials, or give up.</summary>
public sealed class EmailClassificationTests
{
    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, ProviderOutcome.Retryable)]
    [InlineData(HttpStatusCode.InternalServerError, ProviderOutcome.Retryable)]
    [InlineData(HttpStatusCode.BadGateway, ProviderOutcome.Retryable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, ProviderOutcome.Retryable)]
    [InlineData(HttpStatusCode.Unauthorized, ProviderOutcome.Credentials)]
    [InlineData(HttpStatusCode.Forbidden, ProviderOutcome.Credentials)]
    [InlineData(HttpStatusCode.BadRequest, ProviderOutcome.Permanent)]
    [InlineData(HttpStatusCode.NotFound, ProviderOutcome.Permanent)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, ProviderOutcome.Permanent)]
    [InlineData(HttpStatusCode.UnsupportedMediaType, ProviderOutcome.Permanent)]
    public void SendGrid_statuses_are_classified_as_the_table_says(HttpStatusCode status, ProviderOutcome expected)
    {
        var result = SendGridEmailProvider.Classify(new SendGridSendResult(status, null, null, "problem", null));

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(((int)status).ToString(), result.ErrorCode);
        Assert.Equal((int)status, result.HttpStatus);
    }

    [Fact]
    public void A_202_is_sent_with_the_X_Message_Id()
    {
        var result = SendGridEmailProvider.Classify(new SendGridSendResult(HttpStatusCode.Accepted, "LRzXl_NHStOGhQ4kofSm_A", null, null, null));

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Equal("LRzXl_NHStOGhQ4kofSm_A", result.ProviderMessageId);
    }

    [Fact]
    public void A_400_carries_SendGrids_field_and_message()
    {
        var result = SendGridEmailProvider.Classify(new SendGridSendResult(HttpStatusCode.BadRequest, null,
            "personalizations.0.to.0.email", "Does not contain a valid address.", null));

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal("personalizations.0.to.0.email", result.ErrorCode);
        Assert.Equal("Does not contain a valid address.", result.ErrorMessage);
    }

    [Fact]
    public void A_429_is_a_throttle_that_passes_the_wait_on()
    {
        var result = SendGridEmailProvider.Classify(new SendGridSendResult(HttpStatusCode.TooManyRequests, null, null, "too many requests", TimeSpan.FromSeconds(7)));

        Assert.True(result.Throttled);
        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
        Assert.False(SendGridEmailProvider.Classify(new SendGridSendResult(HttpStatusCode.ServiceUnavailable, null, null, null, null)).Throttled);
    }

    [Theory]
    [InlineData(SmtpStatusCode.ServiceNotAvailable, ProviderOutcome.Retryable)]          // 421
    [InlineData(SmtpStatusCode.MailboxBusy, ProviderOutcome.Retryable)]                  // 450
    [InlineData(SmtpStatusCode.ErrorInProcessing, ProviderOutcome.Retryable)]            // 451
    [InlineData(SmtpStatusCode.InsufficientStorage, ProviderOutcome.Retryable)]          // 452
    [InlineData(SmtpStatusCode.MailboxUnavailable, ProviderOutcome.Permanent)]           // 550
    [InlineData(SmtpStatusCode.UserNotLocalTryAlternatePath, ProviderOutcome.Permanent)] // 551
    [InlineData(SmtpStatusCode.MailboxNameNotAllowed, ProviderOutcome.Permanent)]        // 553
    [InlineData(SmtpStatusCode.TransactionFailed, ProviderOutcome.Permanent)]            // 554
    [InlineData(SmtpStatusCode.AuthenticationInvalidCredentials, ProviderOutcome.Credentials)] // 535
    public void Smtp_replies_are_classified_by_their_code(SmtpStatusCode code, ProviderOutcome expected)
    {
        var result = SmtpEmailProvider.Classify(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, code, "refused"), "ada@example.com");

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(((int)code).ToString(), result.ErrorCode);
    }

    [Fact]
    public void A_refusal_quoting_the_recipient_is_stored_with_the_recipient_masked()
    {
        var refusal = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable,
            "5.1.1 <Ada@Example.com>: Recipient address rejected: User unknown");

        var result = SmtpEmailProvider.Classify(refusal, "ada@example.com");

        Assert.DoesNotContain("ada@", result.ErrorMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("a***@example.com", result.ErrorMessage);
    }

    [Fact]
    public void Connection_tls_and_authentication_failures_are_classified()
    {
        Assert.Equal(ProviderOutcome.Credentials, SmtpEmailProvider.ClassifyFailure(new AuthenticationException("535 5.7.8"))!.Outcome);
        Assert.Equal(ProviderOutcome.Retryable, SmtpEmailProvider.ClassifyFailure(new SocketException((int)SocketError.ConnectionRefused))!.Outcome);
        Assert.Equal(ProviderOutcome.Retryable, SmtpEmailProvider.ClassifyFailure(new IOException("reset"))!.Outcome);
        Assert.Equal(ProviderOutcome.Retryable, SmtpEmailProvider.ClassifyFailure(new SmtpProtocolException("eof"))!.Outcome);
        Assert.Null(SmtpEmailProvider.ClassifyFailure(new InvalidOperationException("a bug")));
    }
}
