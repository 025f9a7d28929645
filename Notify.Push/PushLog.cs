using Microsoft.Extensions.Logging;

namespace Notify.Push;

/// <summary>
/// The push process's log messages. Device tokens are recipients: only masked. OAuth tokens,
/// provider tokens and keys never appear, only who they belong to and how long they live.
/// </summary>
internal static partial class PushLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "FCM: new access token for {ClientEmail}, valid {LifetimeSeconds} s")]
    public static partial void FcmTokenObtained(ILogger logger, string clientEmail, int lifetimeSeconds);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "FCM: the OAuth token endpoint answered {Status} {Error}")]
    public static partial void FcmTokenRefused(ILogger logger, int status, string error);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "FCM refused our access token for delivery {DeliveryId} to {Recipient}; refreshing it and trying once more")]
    public static partial void FcmTokenRejected(ILogger logger, Guid deliveryId, string recipient);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "APNs: new provider token for key {KeyId}, team {TeamId}, issued {IssuedAt:O}")]
    public static partial void ApnsTokenMinted(ILogger logger, string keyId, string teamId, DateTimeOffset issuedAt);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "APNs refused our provider token ({Reason}) for delivery {DeliveryId} to {Recipient}; replaced for the next send: {Replaced}")]
    public static partial void ApnsTokenRejected(ILogger logger, string reason, bool replaced, Guid deliveryId, string recipient);
}
