using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Notify.Ingress.Validation;
using Notify.Outbox.Retention;
using Proto = Notify.Grpc.Admin.V1;

namespace Notify.Ingress.Admin.Cleanup;

/// <summary>
/// An operator's retention run: the configured <c>Notify:Retention</c> settings with the request's
/// changes, run by the same <see cref="RetentionCleaner"/> (and under the same leader lock) as the
/// schedule, its progress streamed after every batch and a last message with <c>done</c> set.
/// </summary>
internal sealed class CleanupAdmin(RetentionCleaner cleaner, IOptions<RetentionOptions> options)
{
    public async Task RunAsync(Proto.RunCleanupRequest request, IServerStreamWriter<Proto.CleanupProgress> stream, AdminCall call,
        CancellationToken cancellationToken)
    {
        var run = Run(request);
        call.Describe("retention_days", run.RetentionDays).Describe("batch_size", run.BatchSize).Describe("max_batches", run.MaxBatches)
            .Describe("archive", run.ArchiveBeforeDelete).Describe("archive_retention_days", run.ArchiveRetentionDays);

        // The cleaner reports from inside its loop; the stream is written here, one message at a
        // time, so a slow client never holds a batch's transaction open.
        var reports = Channel.CreateUnbounded<RetentionProgress>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.Run(async () =>
        {
            try
            {
                return await cleaner.RunAsync(run, new Reports(reports.Writer), stop.Token);
            }
            finally
            {
                reports.Writer.Complete();
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var report in reports.Reader.ReadAllAsync(cancellationToken))
            {
                await stream.WriteAsync(new Proto.CleanupProgress
                {
                    Phase = PhaseName(report.Phase, run),
                    Batches = report.Batches,
                    MaxBatches = report.MaxBatches,
                    Deleted = Counts(report.Deleted),
                    Archived = Counts(report.Archived ?? TableCounts.Zero),
                    Purged = Counts(report.Purged),
                }, cancellationToken);
            }
        }
        catch
        {
            // Nobody is listening any more: stop after the current batch (what is done stays done).
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            throw;
        }
        var result = await running;

        call.Describe("not_leader", result.Ran ? null : true).Describe("deleted", result.Deleted.Total).Describe("archived", result.Archived.Total)
            .Describe("purged", result.Purged.Total).Describe("batches", result.Batches).Describe("more_remaining", result.MoreRemaining);
        await stream.WriteAsync(new Proto.CleanupProgress
        {
            Phase = "done",
            Batches = result.Batches,
            MaxBatches = run.MaxBatches,
            Deleted = Counts(result.Deleted),
            Archived = Counts(result.Archived),
            Purged = Counts(result.Purged),
            Done = true,
            NotLeader = !result.Ran,
            MoreRemaining = result.MoreRemaining,
            Duration = Duration.FromTimeSpan(result.Duration),
        }, cancellationToken);
    }

    /// <summary>The configured run with the request's non-zero values, each checked against the range the options allow.</summary>
    private RetentionRun Run(Proto.RunCleanupRequest request)
    {
        var configured = RetentionRun.From(options.Value);
        var violations = new FieldViolations();
        var run = configured with
        {
            RetentionDays = Pick(request.RetentionDays, configured.RetentionDays, "retention_days", 3_650, violations),
            BatchSize = Pick(request.BatchSize, configured.BatchSize, "batch_size", 50_000, violations),
            MaxBatches = Pick(request.MaxBatches, configured.MaxBatches, "max_batches", 100_000, violations),
            ArchiveBeforeDelete = request.HasArchiveBeforeDelete ? request.ArchiveBeforeDelete : configured.ArchiveBeforeDelete,
            ArchiveRetentionDays = Pick(request.ArchiveRetentionDays, configured.ArchiveRetentionDays, "archive_retention_days", 36_500, violations),
        };
        violations.ThrowIfAny();
        return run;
    }

    private static int Pick(int requested, int configured, string field, int max, FieldViolations violations)
    {
        if (requested is < 0 || requested > max)
        {
            violations.Add(field, $"must be 0 (the configured value, {configured:N0}) or 1 to {max:N0}");
        }
        return requested > 0 ? requested : configured;
    }

    // A batch archives and deletes in one statement, so with archiving on its phase is "archiving".
    private static string PhaseName(RetentionPhase phase, RetentionRun run) => phase switch
    {
        RetentionPhase.ArchivePurge => "purging",
        _ => run.ArchiveBeforeDelete ? "archiving" : "deleting",
    };

    private static Proto.TableCounts Counts(TableCounts counts) => new()
    {
        Notifications = counts.Notifications,
        Deliveries = counts.Deliveries,
        DeliveryAttempts = counts.DeliveryAttempts,
        ReceiptEvents = counts.ReceiptEvents,
    };

    /// <summary>Hands each report to the channel the stream is written from (never blocks: the channel is unbounded).</summary>
    private sealed class Reports(ChannelWriter<RetentionProgress> writer) : IProgress<RetentionProgress>
    {
        public void Report(RetentionProgress value) => writer.TryWrite(value);
    }
}
