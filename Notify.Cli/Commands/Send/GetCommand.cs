using System.CommandLine;
using Notify.Cli.Arguments;
using Notify.Cli.Connection;
using Notify.Grpc.V1;
using Spectre.Console;

namespace Notify.Cli.Commands.Send;

/// <summary>
/// <c>notifyctl get NOTIFICATION_ID</c>: a notification as its tenant sees it (GetNotification,
/// with the tenant API key): each delivery's status, attempts, last error and provider message id.
/// What an on-call engineer asks first about "did my message go out?".
/// </summary>
public static class GetCommand
{
    private static string Or(string text) => text.Length > 0 ? text : "-";

    public static Command Create()
    {
        var id = Options.IdArgument("NOTIFICATION_ID", "The notification's id (a UUID, as Send and notifyctl send answer it).", "notification");
        var command = new Command("get", "A notification and each of its deliveries: status, attempts, last error, provider message id (needs the tenant's API key).") { id };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var notification = await context.Clients.Tenant().GetNotificationAsync(
                new GetNotificationRequest { NotificationId = context.ParseResult.GetValue(id).ToString() }, NotifyClients.Call(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(notification);
                return ExitCodes.Ok;
            }
            context.Output.Line($"Notification [bold]{Markup.Escape(notification.NotificationId)}[/]  accepted {Show.Time(notification.CreatedAt)}"
                + (notification.TemplateId.Length > 0 ? $"  template {Markup.Escape(notification.TemplateId)}" : ""));
            // A block per delivery rather than a table: ids and provider message ids are long, and
            // a table that wraps them is neither readable nor greppable.
            foreach (var delivery in notification.Deliveries)
            {
                var error = delivery.LastErrorCode.Length > 0 ? $"{delivery.LastErrorCode} {delivery.LastErrorMessage}" : delivery.SkipReason;
                context.Output.Line($"  delivery {Markup.Escape(delivery.DeliveryId)}  {Show.Channel(delivery.Channel)}  {Markup.Escape(delivery.RecipientMasked)}  "
                    + $"[bold]{Show.Status(delivery.Status)}[/]  attempts {delivery.AttemptCount}/{delivery.MaxAttempts}");
                context.Output.Line($"    provider {Markup.Escape(Or(delivery.Provider))}  message id {Markup.Escape(Or(delivery.ProviderMessageId))}  "
                    + $"last error {Markup.Escape(Or(error))}  updated {Show.Time(delivery.UpdatedAt)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
