namespace Notify.Sandbox;

/// <summary>The sandbox's log messages. Recipients are masked; bodies and credentials are never logged.</summary>
internal static partial class SandboxLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Provider} accepted message {ProviderMessageId} to {Recipient} for delivery {DeliveryId} (arrival {Arrival})")]
    public static partial void Accepted(ILogger logger, string provider, string providerMessageId, string recipient, string? deliveryId, int arrival);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Provider} rejected a request with {Status}: {Reason}")]
    public static partial void Rejected(ILogger logger, string provider, int status, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Provider} hangs a request for {Duration} (injected timeout)")]
    public static partial void Hanging(ILogger logger, string provider, TimeSpan duration);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Faults for {Provider} set: {Faults}")]
    public static partial void FaultsSet(ILogger logger, string provider, Faults.FaultSettings faults);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Faults cleared for {Provider}")]
    public static partial void FaultsCleared(ILogger logger, string provider);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "SMTP server listening on {EndPoint}")]
    public static partial void SmtpListening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "An SMTP session ended with an unexpected {Error}")]
    public static partial void SmtpSessionFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "The SMTP server could not accept a connection ({Error}); still listening")]
    public static partial void SmtpAcceptFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "{Provider} receipt {Event} for delivery {DeliveryId} to {Recipient} answered {Status} (try {Try})")]
    public static partial void ReceiptSent(ILogger logger, string provider, string @event, string? deliveryId, string recipient, int status, int @try);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "{Provider} receipt {Event} for delivery {DeliveryId} to {Recipient} got {Answer} from {Url}; retrying in {Delay}")]
    public static partial void ReceiptRetrying(ILogger logger, string provider, string @event, string? deliveryId, string recipient, string answer, string url, TimeSpan delay);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Provider} receipt {Event} for delivery {DeliveryId} to {Recipient} given up after {Tries} tries; the last got {Answer} from {Url}")]
    public static partial void ReceiptGivenUp(ILogger logger, string provider, string @event, string? deliveryId, string recipient, int tries, string answer, string url);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "{Provider} receipts for delivery {DeliveryId} to {Recipient} dropped: {Capacity} messages already wait for theirs")]
    public static partial void ReceiptQueueFull(ILogger logger, string provider, string? deliveryId, string recipient, int capacity);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Receipts: {State}")]
    public static partial void ReceiptsConfigured(ILogger logger, string state);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "{Provider} receipts for delivery {DeliveryId} to {Recipient} stopped by an unexpected {Error}")]
    public static partial void ReceiptPlanFailed(ILogger logger, string provider, string? deliveryId, string recipient, string error);
}
