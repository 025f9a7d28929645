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
}
