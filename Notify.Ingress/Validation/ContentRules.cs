using System.Text;
using System.Text.RegularExpressions;
using Notify.Grpc.V1;

namespace Notify.Ingress.Validation;

/// <summary>Rules for inline content, per channel, following each provider's limits.</summary>
internal static partial class ContentRules
{
    public static void Validate(Channel channel, Content content, FieldViolations violations)
    {
        switch (channel)
        {
            case Channel.Email:
                Email(content.Email, violations);
                break;
            case Channel.Sms:
                Sms(content.Sms, violations);
                break;
            case Channel.Whatsapp:
                WhatsApp(content.Whatsapp, violations);
                break;
            case Channel.Webhook:
                Webhook(content.Webhook, violations);
                break;
            case Channel.Push:
                Push(content.Push, violations);
                break;
        }
    }

    private static void Email(EmailContent? email, FieldViolations violations)
    {
        if (email is null)
        {
            violations.Add("content.email", "is required when sending on the email channel");
            return;
        }
        if (email.Subject.Length == 0)
        {
            violations.Add("content.email.subject", "is required");
        }
        else
        {
            TextRules.Optional(violations, "content.email.subject", email.Subject, 998);
        }
        if (email.TextBody.Length == 0 && email.HtmlBody.Length == 0)
        {
            violations.Add("content.email", "needs text_body or html_body");
        }
        else if (Encoding.UTF8.GetByteCount(email.TextBody) + Encoding.UTF8.GetByteCount(email.HtmlBody) > 256 * 1024)
        {
            violations.Add("content.email", "text_body and html_body together must be at most 256 KiB");
        }
        else if (TextRules.HasNul(email.TextBody) || TextRules.HasNul(email.HtmlBody))
        {
            violations.Add("content.email", "bodies must not contain NUL characters");
        }
    }

    private static void Sms(SmsContent? sms, FieldViolations violations)
    {
        if (sms is null || sms.Body.Length == 0)
        {
            violations.Add("content.sms.body", "is required when sending on the sms channel");
            return;
        }
        TextRules.Optional(violations, "content.sms.body", sms.Body, 1600, allowControl: true);
    }

    private static void WhatsApp(WhatsAppContent? whatsapp, FieldViolations violations)
    {
        if (whatsapp is null || (whatsapp.Text.Length == 0 && whatsapp.TemplateName.Length == 0))
        {
            violations.Add("content.whatsapp", "needs text or template_name when sending on the whatsapp channel");
            return;
        }
        if (whatsapp.Text.Length > 0 && whatsapp.TemplateName.Length > 0)
        {
            violations.Add("content.whatsapp", "set text or template_name, not both");
            return;
        }
        if (whatsapp.Text.Length > 0)
        {
            TextRules.Optional(violations, "content.whatsapp.text", whatsapp.Text, 4096, allowControl: true);
            return;
        }
        if (!WhatsAppTemplateName().IsMatch(whatsapp.TemplateName))
        {
            violations.Add("content.whatsapp.template_name", "must be 1 to 512 lower-case letters, digits or '_'");
        }
        if (whatsapp.TemplateLanguage.Length is 0 or > 15 || TextRules.HasControlCharacters(whatsapp.TemplateLanguage))
        {
            violations.Add("content.whatsapp.template_language", "is required with template_name (e.g. en_US)");
        }
        if (whatsapp.TemplateParameters.Count > 100)
        {
            violations.Add("content.whatsapp.template_parameters", "must hold at most 100 parameters");
        }
        for (var i = 0; i < whatsapp.TemplateParameters.Count && i < 100; i++)
        {
            TextRules.Optional(violations, $"content.whatsapp.template_parameters[{i}]", whatsapp.TemplateParameters[i], 1024, allowControl: true);
        }
    }

    private static void Webhook(WebhookContent? webhook, FieldViolations violations)
    {
        if (webhook is null)
        {
            violations.Add("content.webhook", "is required when sending on the webhook channel");
            return;
        }
        if (!EventType().IsMatch(webhook.EventType))
        {
            violations.Add("content.webhook.event_type", "must be 1 to 255 letters, digits, '.', '_' or '-'");
        }
        if (webhook.Payload is { } payload)
        {
            if (payload.CalculateSize() > SendRequestValidator.MaxDataBytes)
            {
                violations.Add("content.webhook.payload", "must be at most 64 KiB serialized");
            }
            else if (TextRules.StructProblem(payload) is { } problem)
            {
                violations.Add("content.webhook.payload", problem);
            }
        }
    }

    private static void Push(PushContent? push, FieldViolations violations)
    {
        if (push is null || (push.Title.Length == 0 && push.Body.Length == 0))
        {
            violations.Add("content.push", "needs title or body when sending on the push channel");
            return;
        }
        if (Encoding.UTF8.GetByteCount(push.Title) + Encoding.UTF8.GetByteCount(push.Body) > 4096)
        {
            violations.Add("content.push", "title and body together must be at most 4 KiB");
        }
        else if (TextRules.HasNul(push.Title) || TextRules.HasNul(push.Body))
        {
            violations.Add("content.push", "title and body must not contain NUL characters");
        }
        var dataBytes = push.Data.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Encoding.UTF8.GetByteCount(kv.Value));
        if (dataBytes > 4096)
        {
            violations.Add("content.push.data", "must be at most 4 KiB in total");
        }
        else if (push.Data.Any(kv => TextRules.HasNul(kv.Key) || TextRules.HasNul(kv.Value)))
        {
            violations.Add("content.push.data", "must not contain NUL characters");
        }
    }

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex WhatsAppTemplateName();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,255}$")]
    private static partial Regex EventType();
}
