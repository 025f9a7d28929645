using System.Buffers.Text;
using System.Text;

using Notify.Templates;

namespace Notify.Ingress.Templates;

/// <summary>
/// The ListTemplates cursor: the last (template_id, channel, locale) of a page, base64url
/// encoded. None of the three can contain a newline, so it separates them.
/// </summary>
public readonly record struct TemplatePageToken(string TemplateId, string Channel, string Locale)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{TemplateId}\n{Channel}\n{Locale}"));

    public static bool TryDecode(string token, out TemplatePageToken decoded)
    {
        decoded = default;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(bytes).Split('\n');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
        {
            return false;
        }
        decoded = new TemplatePageToken(parts[0], parts[1], parts[2]);
        return true;
    }
}
