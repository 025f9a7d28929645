namespace Notify.Push;

/// <summary>
/// The values of <c>deliveries.platform</c> for push, as the ingress stores them
/// (<c>PUSH_PLATFORM_FCM</c> → <c>fcm</c>, <c>PUSH_PLATFORM_APNS</c> → <c>apns</c>, tokens lower-cased hex).
/// </summary>
public static class PushPlatforms
{
    public const string Fcm = "fcm";
    public const string Apns = "apns";
}
