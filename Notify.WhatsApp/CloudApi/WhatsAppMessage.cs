namespace Notify.WhatsApp.CloudApi;

/// <summary>One message to send: free-form text or an approved template.</summary>
public abstract record WhatsAppMessage(string To)
{
    /// <summary>
    /// The recipient as the Cloud API wants it: the number's digits (E.164 without the
    /// <c>+</c>), as in Meta's examples.
    /// </summary>
    public string WaNumber => new([.. To.Where(char.IsAsciiDigit)]);
}

/// <summary>Free-form text: only inside the 24-hour customer-service window (else code 131047).</summary>
public sealed record TextMessage(string To, string Body) : WhatsAppMessage(To);

/// <summary>
/// An approved template in one language with its body parameters in order. Works outside
/// the customer-service window and opens a business-initiated conversation, which is what
/// the messaging tier counts.
/// </summary>
public sealed record TemplateMessage(string To, string Name, string LanguageCode, IReadOnlyList<string> BodyParameters) : WhatsAppMessage(To);
