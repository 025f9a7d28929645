using System.Globalization;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;
using Notify.Outbox.Privacy;

namespace Notify.Email.Smtp;

/// <summary>
/// Sends email by SMTP submission with MailKit over pooled connections and sorts the server's
/// answers (providers.md §0 and §7): 4xx replies and connection failures are transient, 535
/// (and 530, 534) mean our credentials, any other 5xx will never succeed for this message and
/// its reply code is the error code.
/// </summary>
public sealed partial class SmtpEmailProvider(SmtpConnectionPool pool, SmtpMessageFactory messages, ILogger<SmtpEmailProvider> logger) : IDeliveryProvider
{
    public string Name => EmailOptions.Smtp;

    public async Task<ProviderResult> SendAsync(ClaimedDelivery delivery, Content content, CancellationToken cancellationToken)
    {
        if (EmailContentRules.Sendable(content) is not { } email)
        {
            return EmailContentRules.NoContent;
        }
        MimeMessage message;
        try
        {
            message = messages.Create(delivery, email);
        }
        catch (ParseException)
        {
            return new ProviderResult(ProviderOutcome.Permanent, ErrorCode: "INVALID_RECIPIENT", ErrorMessage: "The recipient is not a valid email address.");
        }

        SmtpClient? client = null;
        var reusable = false;
        try
        {
            client = await pool.RentAsync(cancellationToken);
            await client.SendAsync(message, cancellationToken);
            reusable = true;
            return new ProviderResult(ProviderOutcome.Sent, message.MessageId, HttpStatus: 250);
        }
        catch (SmtpCommandException e)
        {
            // MailKit resets a refused transaction, so the connection can carry the next
            // message; after a 421 the server has closed it and the pool drops it.
            reusable = true;
            return Classify(e, delivery.Recipient);
        }
        catch (Exception e) when (ClassifyFailure(e) is { } result)
        {
            LogConnectionFailure(logger, result.ErrorCode!, e.GetType().Name);
            return result;
        }
        finally
        {
            if (client is not null)
            {
                pool.Return(client, reusable);
            }
        }
    }

    /// <summary>A reply the server refused the message with, by its reply code.</summary>
    public static ProviderResult Classify(SmtpCommandException e, string recipient)
    {
        var code = (int)e.StatusCode;
        var outcome = code switch
        {
            530 or 534 or 535 => ProviderOutcome.Credentials,
            >= 400 and < 500 => ProviderOutcome.Retryable,
            >= 500 and < 600 => ProviderOutcome.Permanent,
            _ => ProviderOutcome.Retryable,
        };
        // Servers quote the address they refuse; the error is shown to API callers, who see
        // recipients masked only.
        var text = e.Message.Replace(recipient, RecipientMask.MaskEmail(recipient), StringComparison.OrdinalIgnoreCase);
        return new ProviderResult(outcome, ErrorCode: code.ToString(CultureInfo.InvariantCulture), ErrorMessage: Truncate(text), HttpStatus: code);
    }

    /// <summary>Failures before or around the dialogue: connecting, TLS, authentication, a dropped connection.</summary>
    public static ProviderResult? ClassifyFailure(Exception e) => e switch
    {
        AuthenticationException => new(ProviderOutcome.Credentials, ErrorCode: "535", ErrorMessage: "The SMTP server refused our credentials."),
        ServiceNotAuthenticatedException => new(ProviderOutcome.Credentials, ErrorCode: "530", ErrorMessage: "The SMTP server requires authentication; set Username and Password."),
        SslHandshakeException => new(ProviderOutcome.Retryable, ErrorCode: "TLS", ErrorMessage: "The TLS handshake with the SMTP server failed (check TlsMode and port)."),
        SocketException socket => new(ProviderOutcome.Retryable, ErrorCode: "CONNECTION", ErrorMessage: $"Could not reach the SMTP server ({socket.SocketErrorCode})."),
        SmtpProtocolException or IOException or ServiceNotConnectedException =>
            new(ProviderOutcome.Retryable, ErrorCode: "CONNECTION", ErrorMessage: "The connection to the SMTP server was lost."),
        _ => null,
    };

    private static string Truncate(string text) => text.Length > 500 ? text[..500] : text;

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "SMTP send failed before the server answered: {ErrorCode} ({Error})")]
    private static partial void LogConnectionFailure(ILogger logger, string errorCode, string error);
}
