using System.Text.Json;

namespace Notify.WhatsApp.CloudApi;

/// <summary>The JSON body of a send, exactly in the Cloud API's shape (providers.md §3).</summary>
internal static class MessageBody
{
    public static byte[] Write(WhatsAppMessage message, string callbackData)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("messaging_product", "whatsapp");
            json.WriteString("recipient_type", "individual");
            json.WriteString("to", message.WaNumber);
            switch (message)
            {
                case TextMessage text:
                    json.WriteString("type", "text");
                    json.WriteStartObject("text");
                    // A link preview would make Meta fetch URLs from the message on our behalf.
                    json.WriteBoolean("preview_url", false);
                    json.WriteString("body", text.Body);
                    json.WriteEndObject();
                    break;
                case TemplateMessage template:
                    json.WriteString("type", "template");
                    json.WriteStartObject("template");
                    json.WriteString("name", template.Name);
                    json.WriteStartObject("language");
                    json.WriteString("code", template.LanguageCode);
                    json.WriteEndObject();
                    if (template.BodyParameters.Count > 0)
                    {
                        json.WriteStartArray("components");
                        json.WriteStartObject();
                        json.WriteString("type", "body");
                        json.WriteStartArray("parameters");
                        foreach (var parameter in template.BodyParameters)
                        {
                            json.WriteStartObject();
                            json.WriteString("type", "text");
                            json.WriteString("text", parameter);
                            json.WriteEndObject();
                        }
                        json.WriteEndArray();
                        json.WriteEndObject();
                        json.WriteEndArray();
                    }
                    json.WriteEndObject();
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(message), message.GetType().Name, "Unknown WhatsApp message kind.");
            }
            json.WriteString("biz_opaque_callback_data", callbackData);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
