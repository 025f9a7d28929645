using System.Text;
using System.Text.RegularExpressions;
using Notify.Grpc.V1;
using Notify.Ingress.Validation;
using Notify.Outbox;

using Notify.Templates;

namespace Notify.Ingress.Templates;

/// <summary>Validation of the template RPCs' requests. Descriptions name the rule, never the value.</summary>
public static partial class TemplateRequests
{
    public const int MaxTemplateIdLength = 128;
    public const int MaxSubjectLength = 998;
    public const int MaxBodyBytes = 256 * 1024;
    public const int MaxDescriptionLength = 1024;

    /// <summary>
    /// Checks a PutTemplate request, parses its Liquid parts and returns what to store.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming every bad field.</exception>
    public static TemplateDraft Validate(PutTemplateRequest request)
    {
        var violations = new FieldViolations();
        var templateId = ValidateTemplateId(request.TemplateId, "template_id", violations);
        var channel = ValidateChannel(request.Channel, "channel", violations);
        var locale = ValidateLocale(request.Locale, "locale", violations);

        if (request.Subject.Length > MaxSubjectLength)
        {
            violations.Add("subject", $"must be at most {MaxSubjectLength} characters");
        }
        if (Encoding.UTF8.GetByteCount(request.Body) > MaxBodyBytes)
        {
            violations.Add("body", "must be at most 256 KiB");
        }
        if (Encoding.UTF8.GetByteCount(request.HtmlBody) > MaxBodyBytes)
        {
            violations.Add("html_body", "must be at most 256 KiB");
        }
        if (request.Description.Length > MaxDescriptionLength)
        {
            violations.Add("description", $"must be at most {MaxDescriptionLength} characters");
        }
        if (channel is not null)
        {
            ValidateParts(channel, request, violations);
        }

        // Parts within their size limit are parsed even when other fields are bad, so one
        // response names every problem.
        var variables = new SortedSet<string>(StringComparer.Ordinal);
        if (request.Subject.Length <= MaxSubjectLength)
        {
            Compile("subject", request.Subject, variables, violations);
        }
        if (request.Body.Length <= MaxBodyBytes)
        {
            Compile("body", request.Body, variables, violations);
        }
        if (request.HtmlBody.Length <= MaxBodyBytes)
        {
            Compile("html_body", request.HtmlBody, variables, violations);
        }
        violations.ThrowIfAny();

        return new TemplateDraft(templateId!, channel!, locale!, request.Subject, request.Body,
            request.HtmlBody, request.Description, [.. variables]);
    }

    /// <summary>Checks a GetTemplate request; the result's parts go to <see cref="TemplateStore.GetAsync"/>.</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming every bad field.</exception>
    public static (string TemplateId, string Channel, string Locale, int Version) Validate(GetTemplateRequest request)
    {
        var violations = new FieldViolations();
        var templateId = ValidateTemplateId(request.TemplateId, "template_id", violations);
        var channel = ValidateChannel(request.Channel, "channel", violations);
        var locale = ValidateLocale(request.Locale, "locale", violations);
        if (request.Version < 0)
        {
            violations.Add("version", "must be 0 (the latest) or a version number");
        }
        violations.ThrowIfAny();
        return (templateId!, channel!, locale!, request.Version);
    }

    /// <summary>Checks a template id (<c>template_id</c> of PutTemplate, GetTemplate, a Send's template).</summary>
    public static string? ValidateTemplateId(string templateId, string field, FieldViolations violations)
    {
        if (templateId.Length is 0 or > MaxTemplateIdLength || !TemplateIdPattern().IsMatch(templateId))
        {
            violations.Add(field, $"must be 1 to {MaxTemplateIdLength} characters of letters, digits and '._-'");
            return null;
        }
        return templateId;
    }

    /// <summary>The stored channel name, or null after adding a violation.</summary>
    public static string? ValidateChannel(Channel channel, string field, FieldViolations violations)
    {
        var name = Channels.ToName(channel);
        if (name is null)
        {
            violations.Add(field, channel == Channel.Unspecified
                ? "is required"
                : "must be one of CHANNEL_EMAIL, CHANNEL_SMS, CHANNEL_WHATSAPP, CHANNEL_WEBHOOK, CHANNEL_PUSH");
        }
        return name;
    }

    /// <summary>The normalised locale (empty → <c>en</c>), or null after adding a violation.</summary>
    public static string? ValidateLocale(string locale, string field, FieldViolations violations)
    {
        if (LocaleTag.TryNormalize(locale, out var normalized))
        {
            return normalized;
        }
        violations.Add(field, "must be a BCP 47 language tag such as 'en' or 'pt-BR'");
        return null;
    }

    // Which parts each channel uses. A part a channel would ignore is rejected rather than
    // stored, so an author never wonders why their SMS subject does not show.
    private static void ValidateParts(string channel, PutTemplateRequest request, FieldViolations violations)
    {
        bool hasSubject = request.Subject.Length > 0, hasBody = request.Body.Length > 0, hasHtml = request.HtmlBody.Length > 0;
        if (hasHtml && channel != ChannelNames.Email)
        {
            violations.Add("html_body", "is only used by CHANNEL_EMAIL");
        }
        switch (channel)
        {
            case ChannelNames.Email:
                if (!hasSubject)
                {
                    violations.Add("subject", "is required for CHANNEL_EMAIL");
                }
                if (!hasBody && !hasHtml)
                {
                    violations.Add("body", "CHANNEL_EMAIL needs body or html_body");
                }
                break;
            case ChannelNames.Push:
                if (!hasSubject && !hasBody)
                {
                    violations.Add("body", "CHANNEL_PUSH needs subject (the title) or body");
                }
                break;
            default: // sms, whatsapp, webhook: a single body
                if (!hasBody)
                {
                    violations.Add("body", "is required for this channel");
                }
                if (hasSubject)
                {
                    violations.Add("subject", "is only used by CHANNEL_EMAIL and CHANNEL_PUSH");
                }
                break;
        }
    }

    private static void Compile(string field, string source, SortedSet<string> variables, FieldViolations violations)
    {
        if (source.Length == 0)
        {
            return;
        }
        var compilation = TemplateCompiler.Compile(source);
        if (compilation.Succeeded)
        {
            variables.UnionWith(TemplateCompiler.Variables(compilation.Template));
        }
        else
        {
            violations.Add(field, compilation.Error.ToString());
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex TemplateIdPattern();
}
