using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Core;
using Notify.Cli.Arguments;
using Notify.Grpc.Admin.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Notify.Cli.Commands.Cleanup;

/// <summary>
/// <c>notifyctl cleanup run</c>: the retention cleanup now, with a progress bar fed by the
/// RunCleanup stream (batches of the maximum, rows archived and deleted) and a final table.
/// </summary>
public static class CleanupCommand
{
    public static Command Create() => new("cleanup", "Retention: archive and delete finished deliveries, attempts and receipt events older than the retention.")
    {
        Run(),
    };

    private static Command Run()
    {
        var retentionDays = Options.Int("--retention-days", "Delete what finished more than this many days ago (default: Notify:Retention).", minimum: 1, maximum: 36_500);
        var batchSize = Options.Int("--batch-size", "Rows per batch (default: Notify:Retention).", minimum: 1, maximum: 1_000_000);
        var maxBatches = Options.Int("--max-batches", "Stop after this many batches (default: Notify:Retention).", minimum: 1, maximum: 1_000_000);
        var archiveDays = Options.Int("--archive-retention-days", "Purge archived rows older than this (default: Notify:Retention).", minimum: 1, maximum: 36_500);
        var noArchive = new Option<bool>("--no-archive") { Description = "Delete without archiving first (default: Notify:Retention, archive on)." };
        var command = new Command("run", "Runs the retention cleanup now and shows its progress; another run in progress elsewhere is reported, not waited for.")
        {
            retentionDays, batchSize, maxBatches, archiveDays, noArchive,
        };
        CommandContext.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.ParseResult;
            var request = new RunCleanupRequest
            {
                RetentionDays = parse.GetValue(retentionDays) ?? 0,
                BatchSize = parse.GetValue(batchSize) ?? 0,
                MaxBatches = parse.GetValue(maxBatches) ?? 0,
                ArchiveRetentionDays = parse.GetValue(archiveDays) ?? 0,
            };
            if (parse.GetValue(noArchive))
            {
                request.ArchiveBeforeDelete = false;
            }
            // No deadline: a large cleanup runs for as long as it has batches; Ctrl-C stops watching.
            using var call = context.Clients.Admin().RunCleanup(request, cancellationToken: cancellationToken);
            var last = context.Output.Json
                ? await ReadAllAsync(call.ResponseStream, _ => { }, cancellationToken)
                : await WithProgressAsync(context.Output, call.ResponseStream, cancellationToken);
            if (last is null)
            {
                throw new CliException(ExitCodes.Internal, "The cleanup stream ended without its final message.");
            }
            return Report(context.Output, last);
        });
        return command;
    }

    private static async Task<CleanupProgress?> WithProgressAsync(CliOutput output, IAsyncStreamReader<CleanupProgress> stream, CancellationToken cancellationToken)
    {
        if (!output.Error.Profile.Capabilities.Interactive)
        {
            // Not a terminal (a log, CI): a line per message instead of a bar redrawn in place.
            return await ReadAllAsync(stream, message => output.Error.WriteLine(Describe(message)), cancellationToken);
        }
        CleanupProgress? last = null;
        await output.Error.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("starting", maxValue: 1);
                last = await ReadAllAsync(stream, message =>
                {
                    task.MaxValue = Math.Max(1, message.MaxBatches);
                    task.Value = Math.Min(message.Batches, task.MaxValue);
                    task.Description = Markup.Escape(Describe(message));
                    if (message.Done)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                }, cancellationToken);
            });
        return last;
    }

    private static string Describe(CleanupProgress message) =>
        $"{message.Phase,-9} batch {message.Batches}/{message.MaxBatches}  " +
        $"archived {Rows(message.Archived):N0}  deleted {Rows(message.Deleted):N0}";

    private static async Task<CleanupProgress?> ReadAllAsync(IAsyncStreamReader<CleanupProgress> stream, Action<CleanupProgress> onProgress, CancellationToken cancellationToken)
    {
        CleanupProgress? last = null;
        while (await stream.MoveNext(cancellationToken))
        {
            last = stream.Current;
            onProgress(last);
        }
        return last;
    }

    private static long Rows(TableCounts? counts) =>
        counts is null ? 0 : counts.Notifications + counts.Deliveries + counts.DeliveryAttempts + counts.ReceiptEvents;

    private static int Report(CliOutput output, CleanupProgress last)
    {
        if (output.Json)
        {
            output.WriteJson(ProtoJson.ToNode(last));
        }
        else if (last.NotLeader)
        {
            output.Line("[yellow]Another replica is running the cleanup right now; nothing was done.[/] Try again when it has finished.");
        }
        else
        {
            output.Write(Totals(last));
            output.Line(last.MoreRemaining
                ? $"[yellow]Stopped at {last.MaxBatches} batches with old rows left;[/] run again (or raise --max-batches) to continue."
                : $"[green]Done[/] in {Markup.Escape(Show.Age(last.Duration))}: no rows older than the retention are left.");
        }
        // Nothing was done because another run holds the lock: refused, nothing changed.
        return last.NotLeader ? ExitCodes.Refused : ExitCodes.Ok;
    }

    private static IRenderable Totals(CleanupProgress last)
    {
        var table = Show.Table($"Cleanup: {last.Batches} batch(es)", "table", "archived", "deleted", "purged from archive");
        for (var i = 1; i <= 3; i++)
        {
            table.Columns[i].RightAligned();
        }
        var archived = last.Archived ?? new TableCounts();
        var deleted = last.Deleted ?? new TableCounts();
        var purged = last.Purged ?? new TableCounts();
        void Row(string name, Func<TableCounts, long> count) =>
            table.AddRow(Show.Cell(name), Show.Cell(count(archived)), Show.Cell(count(deleted)), Show.Cell(count(purged)));
        Row("notifications", c => c.Notifications);
        Row("deliveries", c => c.Deliveries);
        Row("delivery_attempts", c => c.DeliveryAttempts);
        Row("receipt_events", c => c.ReceiptEvents);
        return table;
    }
}
