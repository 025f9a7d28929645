using System.Diagnostics;
using Microsoft.Extensions.Options;
using MimeKit;
using Notify.Grpc.V1;
using Notify.Outbox.Claiming;

namespace Notify.Email.Smtp;

/// <summary>
/// Builds the MIME message for one delivery. Its <c>Message-Id</c> is derived from the
/// delivery id, so every attempt of a delivery carries the same one: bounces and receipts
/// (which quote it) find their delivery, and a receiving system can drop a retry's duplicate.
/// The delivery id also travels in <c>X-Notify-Delivery-Id</c>, and the trace context in a
/// <c>traceparent</c> header, as an HTTP request would carry it.
/// </summary>
public sealed class SmtpMessageFactory(IOptions<SmtpOptions> options)
{
    public const string DeliveryIdHeader = "X-Notify-Delivery-Id";

    public const string TraceparentHeader = "traceparent";

    private readonly SmtpOptions _options = options.Value;

    public string MessageIdFor(Guid deliveryId) => $"{deliveryId}@{_options.MessageIdHost}";

    /// <exception cref="ParseException">The recipient is not an address MimeKit can write.</exception>
    public MimeMessage Create(ClaimedDelivery delivery, EmailContent email)
    {
        var message = new MimeMessage { Subject = email.Subject, MessageId = MessageIdFor(delivery.Id) };
        message.From.Add(new MailboxAddress(_options.FromName ?? "", _options.FromEmail));
        message.To.Add(MailboxAddress.Parse(delivery.Recipient));
        if (_options.ReplyTo is { } replyTo)
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo));
        }
        message.Headers.Add(DeliveryIdHeader, delivery.Id.ToString());
        if (Traceparent(delivery) is { } traceparent)
        {
            message.Headers.Add(TraceparentHeader, traceparent);
        }
        message.Body = new BodyBuilder
        {
            TextBody = email.TextBody.Length > 0 ? email.TextBody : null,
            HtmlBody = email.HtmlBody.Length > 0 ? email.HtmlBody : null,
        }.ToMessageBody();
        return message;
    }

    /// <summary>
    /// The engine's span of this call when one is recording (SMTP has no instrumentation that
    /// would propagate it), else the trace the ingress stored with the notification.
    /// </summary>
    private static string? Traceparent(ClaimedDelivery delivery) =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : delivery.Traceparent is { Length: > 0 } stored ? stored : null;
}
