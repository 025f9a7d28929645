using System.ComponentModel.DataAnnotations;

namespace Notify.WhatsApp.Tier;

/// <summary>The business phone number's messaging tier (<c>Notify:WhatsApp:MessagingTier</c>).</summary>
public sealed class MessagingTierOptions : IValidatableObject
{
    public const string SectionName = "Notify:WhatsApp";

    /// <summary>
    /// The tier Meta shows for the number in WhatsApp Manager: <c>250</c>, <c>1K</c>, <c>2K</c>,
    /// <c>10K</c>, <c>100K</c>, <c>Unlimited</c> or a number of recipients. The default, 250, is
    /// where every new number starts: a tier set higher than Meta's would only turn Notify's
    /// deferrals into Meta's rejections.
    /// </summary>
    public string MessagingTier { get; set; } = "250";

    /// <summary>The parsed tier (valid once the options passed validation at start).</summary>
    /// <remarks>A method, not a property: the validator reads every property, valid or not.</remarks>
    public TierLimit ParseLimit() => TierLimit.TryParse(MessagingTier, out var limit)
        ? limit
        : throw new InvalidOperationException($"{SectionName}:{nameof(MessagingTier)} is invalid.");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TierLimit.TryParse(MessagingTier, out _))
        {
            yield return new ValidationResult(
                "MessagingTier must be 250, 1K, 2K, 10K, 100K, Unlimited or a whole number of recipients.", [nameof(MessagingTier)]);
        }
    }
}
