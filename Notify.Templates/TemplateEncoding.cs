namespace Notify.Templates;

/// <summary>How rendered values are escaped: only an email's HTML part is HTML-encoded.</summary>
public enum TemplateEncoding
{
    /// <summary>Subjects, text bodies, SMS, WhatsApp, push: values are written as they are.</summary>
    Text,

    /// <summary>An email's HTML part: values are HTML-encoded unless piped through <c>raw</c>.</summary>
    Html,

    /// <summary>
    /// A webhook's JSON payload: values are escaped for a JSON string, so a quote in the data
    /// cannot end the string it is written into (write <c>"{{ name }}"</c> in the template).
    /// </summary>
    Json,
}
