using System.ComponentModel.DataAnnotations;

namespace Notify.Outbox.Writing;

public sealed class OutboxWriterOptions
{
    public const string SectionName = "Notify:Outbox:Writer";

    /// <summary>
    /// Transactions in flight at once. Two let one group gather while the other commits;
    /// more mostly add lock and WAL contention.
    /// </summary>
    [Range(1, 16)]
    public int Writers { get; set; } = 2;

    /// <summary>The most deliveries one transaction gathers from waiting requests.</summary>
    [Range(1, 20_000)]
    public int MaxDeliveriesPerTransaction { get; set; } = 4_000;

    /// <summary>Requests waiting to be written before new ones wait for room (back-pressure).</summary>
    [Range(16, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>
    /// The most often the channels' workers are woken (NOTIFY) after commits: the first commit
    /// after a quiet spell wakes them at once, commits within this interval of it share the next
    /// wake-up. Every NOTIFY signals every listening backend, so one per commit cost PostgreSQL
    /// about a tenth of its CPU under many small Sends. Zero: a NOTIFY after every commit that
    /// finds the last one sent.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan WakeUpInterval { get; set; } = TimeSpan.FromMilliseconds(10);
}
