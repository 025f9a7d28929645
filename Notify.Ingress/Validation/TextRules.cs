using Google.Protobuf.WellKnownTypes;

namespace Notify.Ingress.Validation;

/// <summary>Checks shared by every free-text field.</summary>
internal static class TextRules
{
    /// <summary>
    /// PostgreSQL text and jsonb cannot hold U+0000, and control characters in keys and ids
    /// only cause trouble downstream (log injection, header splitting).
    /// </summary>
    public static bool HasControlCharacters(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }
        return false;
    }

    public static bool HasNul(string value) => value.Contains('\0');

    /// <summary>True when any key or string inside the struct holds U+0000.</summary>
    public static bool HasNul(Struct value)
    {
        foreach (var (key, field) in value.Fields)
        {
            if (HasNul(key) || HasNul(field))
            {
                return true;
            }
        }
        return false;
    }

    private static bool HasNul(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => HasNul(value.StringValue),
        Value.KindOneofCase.StructValue => HasNul(value.StructValue),
        Value.KindOneofCase.ListValue => value.ListValue.Values.Any(HasNul),
        _ => false,
    };

    /// <summary>Checks an optional text field's length and characters.</summary>
    public static void Optional(FieldViolations violations, string field, string value, int maxLength, bool allowControl = false)
    {
        if (value.Length > maxLength)
        {
            violations.Add(field, $"must be at most {maxLength:N0} characters");
        }
        else if (allowControl ? HasNul(value) : HasControlCharacters(value))
        {
            violations.Add(field, allowControl ? "must not contain NUL characters" : "must not contain control characters");
        }
    }
}
