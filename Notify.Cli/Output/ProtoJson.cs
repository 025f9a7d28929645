using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Notify.Cli;

/// <summary>
/// Protobuf messages as JSON for scripts: the canonical proto3 mapping (camelCase names, enum
/// names, RFC 3339 times, durations like <c>"1.5s"</c>) with two changes that make
/// <c>jq</c> scripts simple: zero values are written (a <c>"dead": 0</c> is there, not missing),
/// and 64-bit integers are JSON numbers rather than the mapping's strings.
/// </summary>
public static class ProtoJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static JsonNode ToNode(IMessage message)
    {
        var node = JsonNode.Parse(Formatter.Format(message))!;
        return Convert(node, message.Descriptor);
    }

    private static JsonNode Convert(JsonNode node, MessageDescriptor descriptor)
    {
        if (node is not JsonObject json || descriptor.File.Package == "google.protobuf")
        {
            return node;
        }
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (!json.TryGetPropertyValue(field.JsonName, out var value) || value is null)
            {
                continue;
            }
            if (field.IsMap)
            {
                var valueField = field.MessageType.FindFieldByNumber(2);
                var map = (JsonObject)value;
                foreach (var key in map.Select(p => p.Key).ToList())
                {
                    map[key] = ConvertValue(map[key], valueField);
                }
            }
            else if (field.IsRepeated)
            {
                var array = (JsonArray)value;
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = ConvertValue(array[i], field);
                }
            }
            else
            {
                json[field.JsonName] = ConvertValue(value, field);
            }
        }
        return json;
    }

    private static JsonNode? ConvertValue(JsonNode? value, FieldDescriptor field)
    {
        if (value is null)
        {
            return null;
        }
        // Detached copies: a node can have one parent, and the caller puts this one back.
        var detached = value.DeepClone();
        return field.FieldType switch
        {
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64
                when detached.GetValueKind() == System.Text.Json.JsonValueKind.String
                && long.TryParse(detached.GetValue<string>(), out var signed) => JsonValue.Create(signed),
            FieldType.UInt64 or FieldType.Fixed64
                when detached.GetValueKind() == System.Text.Json.JsonValueKind.String
                && ulong.TryParse(detached.GetValue<string>(), out var unsigned) => JsonValue.Create(unsigned),
            FieldType.Message => Convert(detached, field.MessageType),
            _ => detached,
        };
    }
}
