using System.Text.Json;

namespace Notify.Sandbox.Providers.WhatsApp;

/// <summary>
/// Meta's check of a template send against the approved templates: the name must exist in
/// the requested language (else 132001) and the body must carry exactly the template's number
/// of parameters (else 132000).
/// </summary>
public static class TemplateRegistry
{
    /// <summary>The Graph error code the template send fails with, or null when it is fine.</summary>
    public static int? Check(JsonElement template, IReadOnlyDictionary<string, WhatsAppTemplate> approved)
    {
        if (approved.Count == 0)
        {
            return null;
        }
        var name = template.GetProperty("name").GetString()!;
        var language = template.GetProperty("language").GetProperty("code").GetString()!;
        if (!approved.TryGetValue(name, out var known) || !known.Languages.Contains(language, StringComparer.Ordinal))
        {
            return 132001;
        }
        return BodyParameters(template) == known.BodyParameters ? null : 132000;
    }

    private static int BodyParameters(JsonElement template)
    {
        if (!template.TryGetProperty("components", out var components) || components.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }
        foreach (var component in components.EnumerateArray())
        {
            if (component.ValueKind == JsonValueKind.Object
                && component.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "body"
                && component.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Array)
            {
                return parameters.GetArrayLength();
            }
        }
        return 0;
    }
}
