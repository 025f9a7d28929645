namespace Notify.Ingress.Templates;

/// <summary>How rendered values are escaped: only an email's HTML part is HTML-encoded.</summary>
public enum TemplateEncoding
{
    /// <summary>Subjects, text bodies, SMS, WhatsApp, push: values are written as they are.</summary>
    Text,

    /// <summary>An email's HTML part: values are HTML-encoded unless piped through <c>raw</c>.</summary>
    Html,
}
