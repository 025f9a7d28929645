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
}
