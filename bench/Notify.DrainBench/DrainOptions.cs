using System.ComponentModel.DataAnnotations;

namespace Notify.DrainBench;

/// <summary>What the drained deliveries do: nothing (<c>noop</c>) or one SendGrid Mail Send POST (<c>sendgrid</c>).</summary>
public sealed class DrainOptions : IValidatableObject
{
    public const string SectionName = "Drain";

    [Required]
    [RegularExpression("^(noop|sendgrid)$")]
    public string Provider { get; set; } = "noop";

    /// <summary>The provider sandbox's base URL (scenario b).</summary>
    public Uri? SendGridUrl { get; set; }

    /// <summary>One of the sandbox's <c>Sandbox:SendGrid:ApiKeys</c>; never printed.</summary>
    public string? SendGridApiKey { get; set; }

    /// <summary>Print <c>ready</c> once built and wait for <c>go</c> on stdin before claiming (the orchestrator's gate).</summary>
    public bool WaitForGo { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == "sendgrid" && (SendGridUrl is null || string.IsNullOrEmpty(SendGridApiKey)))
        {
            yield return new ValidationResult("Drain:Provider=sendgrid needs Drain:SendGridUrl and Drain:SendGridApiKey.",
                [nameof(SendGridUrl), nameof(SendGridApiKey)]);
        }
    }
}
