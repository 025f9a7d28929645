namespace Notify.Outbox.Retention;

/// <summary>
/// What one cleanup run does: the scheduled run takes it from <see cref="RetentionOptions"/>; an
/// operator's <c>cleanup run</c> may change any of it for one run.
/// </summary>
public sealed record RetentionRun(
    int RetentionDays, int BatchSize, int MaxBatches, bool ArchiveBeforeDelete, int ArchiveRetentionDays, bool PurgeArchive = true)
{
    public static RetentionRun From(RetentionOptions options) => new(
        options.RetentionDays, options.BatchSize, options.MaxBatches, options.ArchiveBeforeDelete, options.ArchiveRetentionDays);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of the range <see cref="RetentionOptions"/> allows.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(RetentionDays, 1, nameof(RetentionDays));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RetentionDays, 3_650, nameof(RetentionDays));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BatchSize, 50_000, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatches, 1, nameof(MaxBatches));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatches, 100_000, nameof(MaxBatches));
        ArgumentOutOfRangeException.ThrowIfLessThan(ArchiveRetentionDays, 1, nameof(ArchiveRetentionDays));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ArchiveRetentionDays, 36_500, nameof(ArchiveRetentionDays));
    }
}
