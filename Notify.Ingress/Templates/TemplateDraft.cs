using Notify.Templates;

namespace Notify.Ingress.Templates;

/// <summary>
/// A PutTemplate request that passed <see cref="TemplateRequests.Validate"/>: channel as stored,
/// locale normalised, and the variables the template reads (union over its parts).
/// </summary>
public sealed record TemplateDraft(
    string TemplateId,
    string Channel,
    string Locale,
    string Subject,
    string Body,
    string HtmlBody,
    string Description,
    IReadOnlyList<string> Variables);
