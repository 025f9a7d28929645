using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;
using Notify.Cli.Arguments;
using Notify.Cli.Connection;
using Notify.Grpc.V1;
using Spectre.Console;

namespace Notify.Cli.Commands.Send;

/// <summary>
/// <c>notifyctl send</c>: a test send through the tenant API, as the runbooks' test endpoint does,
/// then a watch of its status until it is final. Exit 0 only when it was delivered (or sent and no
/// receipt came before <c>--wait</c> ran out).
/// </summary>
public static class SendCommand
{
    public static Command Create()
    {
        var channel = Options.Channel("--channel", "The channel to send on.", required: true);
        var to = Options.Text("--to", "The address: an email, an E.164 phone number (sms, whatsapp), an https webhook URL, or a push device token.", required: true);
        var platform = new Option<PushPlatform>("--platform")
        {
            Description = "Push only: the token's platform, fcm (default) or apns.",
            HelpName = "fcm|apns",
            DefaultValueFactory = _ => PushPlatform.Fcm,
            CustomParser = result => result.Tokens[0].Value.ToLowerInvariant() switch
            {
                "fcm" => PushPlatform.Fcm,
                "apns" => PushPlatform.Apns,
                var other => Error(result, $"--platform: '{other}' is not a push platform; use fcm or apns.", PushPlatform.Unspecified),
            },
        };
        var subject = Options.Text("--subject", $"Email subject or push title (default \"{SendContent.DefaultSubject}\").");
        var body = Options.Text("--body", "The text (default: a test sentence); for a webhook a JSON object is sent as the payload.");
        var eventType = Options.Text("--event-type", "Webhook only: the event type (default notify.test).");
        var template = Options.Text("--template", "Send with this template instead of --subject/--body.");
        var locale = Options.Text("--locale", "With --template: the locale (default en).");
        var data = new Option<IReadOnlyDictionary<string, string>>("--data")
        {
            Description = "With --template: a variable as name=value (repeat for more). Push without a template: a data entry.",
            HelpName = "name=value",
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => new Dictionary<string, string>(),
            CustomParser = ParseData,
        };
        var wait = Options.Duration("--wait", "How long to watch for a final status (default 60s; 0 only sends).");
        var key = Options.Text("--key", "The idempotency key (default: a new one each time).", maxLength: 255);
        var command = new Command("send", "Sends a test notification to one address and watches it until delivered, failed or --wait runs out.")
        {
            channel, to, platform, subject, body, eventType, template, locale, data, wait, key,
        };
        command.Validators.Add(result =>
        {
            var given = (Option o) => Given.Has(result, o);
            var chosen = Given.Value(result, channel);
            if (given(template) && (given(subject) || given(body) || given(eventType)))
            {
                result.AddError("--template cannot be combined with --subject, --body or --event-type: the template is the content.");
            }
            if (given(locale) && !given(template))
            {
                result.AddError("--locale is for --template.");
            }
            if (given(data) && !given(template) && chosen != Channel.Push)
            {
                result.AddError("--data is for --template (or push data).");
            }
            if (given(platform) && chosen != Channel.Push)
            {
                result.AddError("--platform is for --channel push.");
            }
            if (given(eventType) && chosen != Channel.Webhook)
            {
                result.AddError("--event-type is for --channel webhook.");
            }
        });

        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.ParseResult;
            var content = new SendContent(
                parse.GetValue(channel),
                parse.GetValue(to)!,
                parse.GetValue(platform),
                parse.GetValue(subject),
                parse.GetValue(body),
                parse.GetValue(eventType) ?? "notify.test",
                parse.GetValue(template),
                parse.GetValue(locale),
                parse.GetValue(data)!);
            var request = content.ToRequest(parse.GetValue(key) ?? "notifyctl-" + Guid.NewGuid().ToString("N"));
            var client = context.Clients.Tenant();
            var sent = await client.SendAsync(request, NotifyClients.Call(cancellationToken));
            var output = context.Output;
            if (!output.Json)
            {
                output.Line($"Accepted notification [bold]{sent.NotificationId}[/]{(sent.Replayed ? " [yellow](idempotency key seen before: its first send)[/]" : "")}");
                foreach (var delivery in sent.Deliveries)
                {
                    output.Line($"  delivery {delivery.DeliveryId}  {Show.Channel(delivery.Channel)}  {Markup.Escape(delivery.RecipientMasked)}");
                }
            }

            var waitFor = parse.GetValue(wait) ?? TimeSpan.FromSeconds(60);
            var changes = new JsonArray();
            Notification? final = null;
            if (waitFor > TimeSpan.Zero)
            {
                final = await new DeliveryWatcher(client, TimeProvider.System).WatchAsync(sent.NotificationId, waitFor, change =>
                {
                    changes.Add(new JsonObject
                    {
                        ["at"] = change.At.ToString("O"),
                        ["deliveryId"] = change.Delivery.DeliveryId,
                        ["status"] = Show.Status(change.Delivery.Status),
                        ["errorCode"] = change.Delivery.LastErrorCode,
                    });
                    if (!output.Json)
                    {
                        var error = change.Delivery.LastErrorCode.Length > 0 ? $"  {change.Delivery.LastErrorCode} {change.Delivery.LastErrorMessage}" : "";
                        output.Line($"{change.At:HH:mm:ss.fff}  {Markup.Escape(change.Delivery.DeliveryId)}  [bold]{Show.Status(change.Delivery.Status)}[/]{Markup.Escape(error)}");
                    }
                }, cancellationToken);
            }

            var statuses = final?.Deliveries.Select(d => d.Status).ToList() ?? sent.Deliveries.Select(d => d.Status).ToList();
            var ok = final is null ? statuses.All(s => s != DeliveryStatus.Skipped) : statuses.All(DeliveryWatcher.Succeeded);
            if (output.Json)
            {
                var document = new JsonObject
                {
                    ["ok"] = ok,
                    ["send"] = ProtoJson.ToNode(sent),
                    ["changes"] = changes,
                    ["notification"] = final is null ? null : ProtoJson.ToNode(final),
                };
                output.WriteJson(document);
            }
            else if (final is null)
            {
                output.Line($"Not watched (--wait 0): see it with notifyctl get {sent.NotificationId}.");
            }
            else
            {
                output.Line(ok
                    ? "[green]Sent.[/]"
                    : statuses.Any(s => !DeliveryWatcher.IsFinal(s) && s != DeliveryStatus.Sent)
                        ? $"[red]Not final after {Markup.Escape(DurationText.Format(waitFor))}[/] (raise --wait, or look at notifyctl status)."
                        : "[red]Not delivered.[/]");
            }
            return ok ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static IReadOnlyDictionary<string, string> ParseData(ArgumentResult result)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in result.Tokens)
        {
            var separator = token.Value.IndexOf('=');
            if (separator <= 0)
            {
                result.AddError($"--data: '{token.Value}' is not name=value.");
                return data;
            }
            data[token.Value[..separator]] = token.Value[(separator + 1)..];
        }
        return data;
    }

    private static T Error<T>(ArgumentResult result, string message, T value)
    {
        result.AddError(message);
        return value;
    }
}
