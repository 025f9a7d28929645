using System.ComponentModel.DataAnnotations;

namespace Notify.Outbox.Status;

/// <summary>How the status reader judges worker heartbeats (section <c>Notify:Status</c>, validated at start).</summary>
public sealed class SystemStatusOptions : IValidatableObject
{
    public const string SectionName = "Notify:Status";

    /// <summary>
    /// A worker is listed when its last heartbeat is at most this old. Three heartbeats (the
    /// default interval is 5 s): one late beat under load does not make a live worker vanish,
    /// and a killed one is gone from the status within this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WorkerWindow { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Rows of workers silent this long (killed, never stopped cleanly) are deleted while the status is read.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan ForgetWorkersAfter { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The reader deletes and lists in one statement; a row it deletes must be one it would not list.
        if (ForgetWorkersAfter <= WorkerWindow)
        {
            yield return new ValidationResult(
                $"ForgetWorkersAfter ({ForgetWorkersAfter}) must be longer than WorkerWindow ({WorkerWindow}).",
                [nameof(ForgetWorkersAfter), nameof(WorkerWindow)]);
        }
    }
}
