namespace Notify.Sandbox.Faults;

/// <summary>The provider names used in routes of the control API, configuration and recordings.</summary>
public static class ProviderNames
{
    public const string SendGrid = "sendgrid";
    public const string Twilio = "twilio";
    public const string WhatsApp = "whatsapp";
    public const string Fcm = "fcm";
    public const string Apns = "apns";
    public const string Webhook = "webhook";
    public const string Smtp = "smtp";

    public static readonly IReadOnlyList<string> All = [SendGrid, Twilio, WhatsApp, Fcm, Apns, Webhook, Smtp];

    public static bool IsKnown(string? name) => name is not null && All.Contains(name, StringComparer.Ordinal);
}
