using System.ComponentModel.DataAnnotations;

namespace Notify.Email;

/// <summary>The email channel's own settings (section <c>Notify:Email</c>).</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string SectionName = "Notify:Email";

    public const string SendGrid = "sendgrid";
    public const string Smtp = "smtp";

    /// <summary>The providers Notify knows, in their default failover order.</summary>
    public static readonly IReadOnlyList<string> Known = [SendGrid, Smtp];

    /// <summary>
    /// The providers to use, in failover order: the first whose circuit is closed gets each
    /// message, a transient failure moves it on to the next. Leave one out to disable it
    /// (<c>["smtp"]</c> sends through SMTP only). Only the listed providers need settings.
    /// Unset means <see cref="Known"/>'s order (no default here: the configuration binder
    /// would append the configured list to it).
    /// </summary>
    public string[]? Providers { get; set; }

    /// <summary>The providers in failover order, as configured or by default.</summary>
    public IReadOnlyList<string> Order => Providers ?? Known;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Order.Count == 0)
        {
            yield return new ValidationResult($"{SectionName}:Providers must name at least one provider ({string.Join(", ", Known)}).", [nameof(Providers)]);
        }
        foreach (var unknown in Order.Where(p => !Known.Contains(p, StringComparer.Ordinal)).Distinct())
        {
            yield return new ValidationResult($"{SectionName}:Providers names '{unknown}'; known providers are {string.Join(", ", Known)}.", [nameof(Providers)]);
        }
        foreach (var twice in Order.GroupBy(p => p, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"{SectionName}:Providers names '{twice.Key}' more than once.", [nameof(Providers)]);
        }
    }
}
