using Notify.Templates;

namespace Notify.Ingress.Templates;

/// <summary>The template version a Send pins for one channel, and where the fallback landed.</summary>
public sealed record ResolvedTemplate(string Channel, int Version, string Locale, IReadOnlyList<string> Variables);

/// <summary>The outcome of <see cref="TemplateStore.ResolveAsync"/> for every requested channel.</summary>
public sealed record TemplateResolution(
    IReadOnlyDictionary<string, ResolvedTemplate> Found,
    IReadOnlyList<string> MissingChannels)
{
    /// <summary>
    /// The variables some resolved channel reads that <paramref name="supplied"/> lacks, sorted;
    /// a Send with any is INVALID_ARGUMENT naming them.
    /// </summary>
    public IReadOnlyList<string> MissingVariables(IEnumerable<string> supplied)
    {
        var present = supplied as IReadOnlySet<string> ?? new HashSet<string>(supplied, StringComparer.Ordinal);
        return [.. Found.Values.SelectMany(t => t.Variables).Where(v => !present.Contains(v)).Distinct().Order(StringComparer.Ordinal)];
    }
}
