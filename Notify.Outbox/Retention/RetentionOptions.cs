using System.ComponentModel.DataAnnotations;

namespace Notify.Outbox.Retention;

/// <summary>
/// How long finished notifications stay in the live tables and in the archive, and how the
/// ingress's scheduled cleanup runs (section <c>Notify:Retention</c>, validated at start).
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Notify:Retention";

    /// <summary>Whether the ingress runs the cleanup on its own schedule. An operator's <c>cleanup run</c> works either way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A notification whose deliveries have all finished is deleted this many days after it was accepted.</summary>
    [Range(1, 3_650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>
    /// Notifications per batch; each batch is one short transaction (its deliveries, attempts
    /// and receipts go with it, so a batch touches a few times this many rows).
    /// </summary>
    [Range(1, 50_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Batches one run may do, all phases together: bounds a run's time and WAL after a long pause.</summary>
    [Range(1, 100_000)]
    public int MaxBatches { get; set; } = 100;

    /// <summary>Copy rows into <c>notify_archive</c> in the transaction that deletes them. Off: deleted for good.</summary>
    public bool ArchiveBeforeDelete { get; set; } = true;

    /// <summary>Archive rows are purged this many days after they were archived.</summary>
    [Range(1, 36_500)]
    public int ArchiveRetentionDays { get; set; } = 365;

    /// <summary>
    /// Time between scheduled runs (the first comes shortly after start, so frequent deploys
    /// never starve it). Zero turns the schedule off, like <see cref="Enabled"/> = false.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether the ingress schedules runs at all.</summary>
    public bool Scheduled => Enabled && Interval > TimeSpan.Zero;
}
