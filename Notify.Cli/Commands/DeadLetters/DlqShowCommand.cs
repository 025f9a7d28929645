using System.CommandLine;
using Notify.Cli.Arguments;
using Notify.Cli.Connection;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Notify.Cli.Commands.DeadLetters;

/// <summary><c>notifyctl dlq show DELIVERY_ID</c>: one dead (or replayed) delivery with its attempts and receipts.</summary>
public static class DlqShowCommand
{
    public static Command Create()
    {
        var id = Options.IdArgument("DELIVERY_ID", "The delivery's id (a UUID, as dlq list, GetNotification and the logs show it).", "delivery");
        var command = new Command("show", "One dead letter: the delivery, every attempt and every receipt.") { id };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var request = new GetDeadLetterRequest { DeliveryId = context.ParseResult.GetValue(id).ToString() };
            var deadLetter = await context.Clients.Admin().GetDeadLetterAsync(request, NotifyClients.Call(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(deadLetter);
            }
            else
            {
                context.Output.Write(Render(deadLetter));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static IRenderable Render(DeadLetter deadLetter)
    {
        var delivery = deadLetter.Delivery ?? new Delivery();
        var summary = new Grid { Expand = false }.AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, IRenderable value) => summary.AddRow(new Markup($"[bold]{name}[/]"), value);
        Row("delivery", Show.Cell(delivery.DeliveryId));
        Row("notification", Show.Cell(deadLetter.NotificationId));
        Row("tenant", Show.Cell($"{deadLetter.TenantName} ({deadLetter.TenantId})"));
        Row("channel", Show.Cell(Show.Channel(delivery.Channel)));
        Row("recipient", Show.Cell(delivery.RecipientMasked));
        Row("status", Show.StatusCell(delivery.Status));
        Row("attempts", Show.Cell($"{delivery.AttemptCount} of {delivery.MaxAttempts}"));
        Row("last error", Show.Cell(string.Join(" ", new[] { delivery.LastErrorCode, delivery.LastErrorMessage }.Where(s => s.Length > 0))));
        Row("provider", Show.Cell(string.Join(" ", new[] { delivery.Provider, delivery.ProviderMessageId }.Where(s => s.Length > 0))));
        Row("created", Show.Cell(Show.Time(delivery.CreatedAt)));
        Row("updated", Show.Cell(Show.Time(delivery.UpdatedAt)));

        var attempts = Show.Table("Attempts", "#", "started", "provider", "outcome", "http", "error code", "error message", "duration");
        foreach (var attempt in delivery.Attempts)
        {
            attempts.AddRow(
                Show.Cell(attempt.AttemptNumber),
                Show.Cell(Show.Time(attempt.StartedAt)),
                Show.Cell(attempt.Provider),
                Show.Styled(attempt.Outcome, attempt.Outcome == "sent" ? "green" : "red"),
                Show.Cell(attempt.HttpStatus == 0 ? "" : attempt.HttpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Show.Cell(attempt.ErrorCode),
                Show.Cell(attempt.ErrorMessage),
                Show.Cell($"{attempt.DurationMs} ms"));
        }
        var receipts = Show.Table("Receipts", "received", "provider", "event", "outcome", "error code", "occurred");
        foreach (var receipt in delivery.Receipts)
        {
            receipts.AddRow(Show.Cell(Show.Time(receipt.ReceivedAt)), Show.Cell(receipt.Provider), Show.Cell(receipt.Event),
                Show.Cell(receipt.Outcome), Show.Cell(receipt.ErrorCode), Show.Cell(Show.Time(receipt.OccurredAt)));
        }
        return new Rows(
            summary,
            delivery.Attempts.Count == 0 ? new Markup("[dim]No attempts.[/]") : attempts,
            delivery.Receipts.Count == 0 ? new Markup("[dim]No receipts.[/]") : receipts);
    }
}
