using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Notify.Cli.Commands;
using Npgsql;

namespace Notify.Cli.Drill;

/// <summary>
/// <c>notifyctl drill [--messages 10000] [--kill-after 0.3] [--output DIR] [--timeout 45m] [--retry-after 1]</c>:
/// the crash drill against the local AppHost (<see cref="DrillRunner"/>). Exit 0 when it passed,
/// 1 when a criterion failed, 2 when the topology cannot run it (fewer than two replicas of
/// email and whatsapp: it says how to start them).
/// </summary>
public static class DrillCommand
{
    public static Command Create()
    {
        var messages = new Option<int>("--messages")
        {
            Description = $"Messages to seed (100–{DrillOptions.MaxMessages:N0}); 60 % WhatsApp, 40 % email, 5 % to invalid contacts, 10 % answered 429 at first.",
            DefaultValueFactory = _ => 10_000,
        };
        var killAfter = new Option<double>("--kill-after")
        {
            Description = "Kill one replica of each channel once this fraction of the messages is done.",
            DefaultValueFactory = _ => 0.3,
        };
        var output = new Option<DirectoryInfo>("--output")
        {
            Description = "Where drill_evidence_<yyyyMMdd_HHmmss>.json is written (default: the current directory).",
            DefaultValueFactory = _ => new DirectoryInfo("."),
        };
        var timeout = new Option<string?>("--timeout")
        {
            Description = "The most to wait for every message to end, e.g. 900, 90s, 20m, 1h, 00:45:00 (default: three times the expected duration, at least 5 min).",
        };
        var retryAfter = new Option<int>("--retry-after")
        {
            Description = "Retry-After of the 429s in seconds; each one pauses the channel's sender on every replica that long, so it sets much of the duration.",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command("drill",
            "The crash drill (notification-staging-drill.md): seed messages, SIGKILL one of two replicas of email and whatsapp mid-run, "
            + "wait for the reaper and every message to end, write drill_evidence_<timestamp>.json and say PASS or FAIL per criterion.")
        {
            messages, killAfter, output, timeout, retryAfter,
        };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.ParseResult;
            var options = new DrillOptions
            {
                Messages = parse.GetValue(messages),
                KillAfter = parse.GetValue(killAfter),
                OutputDirectory = parse.GetValue(output)!.FullName,
                Timeout = ParseTimeout(parse.GetValue(timeout)),
                RetryAfterSeconds = parse.GetValue(retryAfter),
            };
            if (options.Problems().ToList() is { Count: > 0 } problems)
            {
                throw new CliException(ExitCodes.Usage, string.Join(" ", problems));
            }
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                var target = await DrillTarget.FromEndpointsAsync(context.Endpoints, http, cancellationToken);
                var reporter = new DrillConsole(context.Output.Error);
                var runner = new DrillRunner(target, options, context.Output.Json ? SilentDrillReporter.Instance : reporter);
                var result = context.Output.Json
                    ? await runner.RunAsync(cancellationToken)
                    : await reporter.RunAsync(() => runner.RunAsync(cancellationToken));
                if (context.Output.Json)
                {
                    var document = JsonNode.Parse(result.Evidence.ToJson())!.AsObject();
                    document["evidence_file"] = result.EvidencePath;
                    context.Output.WriteJson(document);
                }
                else
                {
                    DrillConsole.WriteSummary(context.Output.Out, result);
                }
                return result.Evidence.Passed ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (NpgsqlException e)
            {
                throw new CliException(ExitCodes.Unavailable, $"The database in the endpoints file could not be read: {e.Message}");
            }
        });
        return command;
    }

    /// <summary>Seconds (<c>900</c>), a number with s/m/h (<c>20m</c>), or hh:mm:ss; null when not given.</summary>
    public static TimeSpan? ParseTimeout(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var text = value.Trim();
        var unit = char.ToLowerInvariant(text[^1]) switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => 0,
        };
        var number = unit == 0 ? text : text[..^1];
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0 && double.IsFinite(amount))
        {
            return TimeSpan.FromSeconds(amount * (unit == 0 ? 1 : unit));
        }
        if (unit == 0 && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }
        throw new CliException(ExitCodes.Usage, $"--timeout '{value}' is not a duration: give seconds (900), 90s, 20m, 1h or hh:mm:ss.");
    }
}
