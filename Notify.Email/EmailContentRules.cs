using Notify.Delivery.Providers;
using Notify.Grpc.V1;

namespace Notify.Email;

/// <summary>What both providers need from a notification's content before they can send it.</summary>
internal static class EmailContentRules
{
    /// <summary>Nothing to send: no provider would do better, so the delivery is dead-lettered with the reason.</summary>
    public static readonly ProviderResult NoContent =
        new(ProviderOutcome.Permanent, ErrorCode: "NO_CONTENT", ErrorMessage: "The notification has no email subject and text or HTML body.");

    /// <summary>The email part of <paramref name="content"/> when it has a subject and a body.</summary>
    public static EmailContent? Sendable(Content content) =>
        content.Email is { } email && email.Subject.Length > 0 && (email.TextBody.Length > 0 || email.HtmlBody.Length > 0) ? email : null;
}
