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
    /// <summary>
    /// Why a JSON-like value (template data, a webhook payload) cannot be stored and later
    /// written as JSON, or null when it can: a NUL character, a value with no kind set (some
    /// clients send an empty Value), or a number that JSON cannot hold (NaN, infinity).
    /// </summary>
    public static string? StructProblem(Struct value)
    {
        foreach (var (key, field) in value.Fields)
        {
            if (HasNul(key))
            {
                return "must not contain NUL characters";
            }
            if (ValueProblem(field) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    private static string? ValueProblem(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.None => "must not contain a value with no kind (set null_value for JSON null)",
        Value.KindOneofCase.NumberValue when !double.IsFinite(value.NumberValue) => "must not contain NaN or infinite numbers",
        Value.KindOneofCase.StringValue when HasNul(value.StringValue) => "must not contain NUL characters",
        Value.KindOneofCase.StructValue => StructProblem(value.StructValue),
        Value.KindOneofCase.ListValue => value.ListValue.Values.Select(ValueProblem).FirstOrDefault(p => p is not null),
        _ => null,
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
