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

    /// <summary>How often receipts that arrived before their send was completed are applied again.</summary>
    public TimeSpan WaitingSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || url.Query.Length > 0))
        {
            yield return new ValidationResult(
                $"{SectionName}:PublicBaseUrl must be an absolute http(s) URL without a query.", [nameof(PublicBaseUrl)]);
        }
        if (MaxAge <= TimeSpan.Zero || MaxFutureSkew < TimeSpan.Zero || WaitingSweepInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult(
                $"{SectionName}: MaxAge and WaitingSweepInterval must be positive and MaxFutureSkew not negative.",
                [nameof(MaxAge), nameof(MaxFutureSkew), nameof(WaitingSweepInterval)]);
        }
    }
}
