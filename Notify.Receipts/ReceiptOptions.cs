using System.ComponentModel.DataAnnotations;

namespace Notify.Receipts;

/// <summary>The <c>Notify:Receipts</c> section of a channel process that receives provider receipts.</summary>
public sealed class ReceiptOptions : IValidatableObject
{
    public const string SectionName = "Notify:Receipts";

    /// <summary>
    /// The address providers reach this process at, when it sits behind a proxy or TLS
    /// terminator (<c>https://hooks.example.com/sms</c>). Twilio signs the URL it called, so the
    /// signature is checked against this base plus the request's path and query. Unset: the
    /// URL the request arrived on, and (SMS) the address this process listens on for callbacks.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>Bodies above this are refused with 413 (SendGrid batches up to 768 KB).</summary>
    [Range(1_024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>A signed timestamp older than this is refused (replay of an old capture).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A signed timestamp further ahead than this is refused (a clock that is off, or a forged stamp).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Receipt requests written to the database at once by this process; more wait for a slot.
    /// Providers send receipts in bursts as fast as messages go out, and each request holds a
    /// connection for its transaction: unbounded, three receipt processes took PostgreSQL's 200
    /// connections at 200 notifications/s and every process started failing to connect.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxConcurrentWrites { get; set; } = 8;

    /// <summary>How long a request waits for a write slot before it is answered 503 with Retry-After (the provider sends it again).</summary>
    public TimeSpan WriteWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often receipts that arrived before their send was completed are applied again.</summary>
    public TimeSpan WaitingSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || url.Query.Length > 0))
        {
            yield return new ValidationResult(
                $"{SectionName}:PublicBaseUrl must be an absolute http(s) URL without a query.", [nameof(PublicBaseUrl)]);
        }
        if (MaxAge <= TimeSpan.Zero || MaxFutureSkew < TimeSpan.Zero || WaitingSweepInterval <= TimeSpan.Zero || WriteWait < TimeSpan.Zero)
        {
            yield return new ValidationResult(
                $"{SectionName}: MaxAge and WaitingSweepInterval must be positive, MaxFutureSkew and WriteWait not negative.",
                [nameof(MaxAge), nameof(MaxFutureSkew), nameof(WaitingSweepInterval), nameof(WriteWait)]);
        }
    }
}
