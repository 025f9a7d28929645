using System.Globalization;
using System.Text.Json;
using Fluid.Values;
using Google.Protobuf.WellKnownTypes;
using StringValue = Fluid.Values.StringValue;

namespace Notify.Templates;

/// <summary>
/// Converts JSON (a <see cref="JsonElement"/> or a protobuf <see cref="Value"/>) into Fluid
/// values, so nested objects (<c>user.address.city</c>) and arrays (<c>for item in items</c>,
/// <c>items.size</c>, <c>items[0]</c>) work without reflection over CLR types.
/// </summary>
public static class TemplateModel
{
    public static FluidValue ToFluidValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new DictionaryValue(new FluidValueDictionaryFluidIndexable(
            element.EnumerateObject().ToDictionary(p => p.Name, p => ToFluidValue(p.Value), StringComparer.Ordinal))),
        JsonValueKind.Array => new ArrayValue(element.EnumerateArray().Select(ToFluidValue).ToArray()),
        JsonValueKind.String => StringValue.Create(element.GetString()!),
        JsonValueKind.Number => element.TryGetDecimal(out var number)
            ? NumberValue.Create(number)
            : StringValue.Create(element.GetRawText()),
        JsonValueKind.True => BooleanValue.True,
        JsonValueKind.False => BooleanValue.False,
        _ => NilValue.Instance,
    };

    public static FluidValue ToFluidValue(Value? value) => value?.KindCase switch
    {
        Value.KindOneofCase.StructValue => new DictionaryValue(new FluidValueDictionaryFluidIndexable(
            value.StructValue.Fields.ToDictionary(f => f.Key, f => ToFluidValue(f.Value), StringComparer.Ordinal))),
        Value.KindOneofCase.ListValue => new ArrayValue(value.ListValue.Values.Select(ToFluidValue).ToArray()),
        Value.KindOneofCase.StringValue => StringValue.Create(value.StringValue),
        Value.KindOneofCase.NumberValue => ToNumber(value.NumberValue),
        Value.KindOneofCase.BoolValue => BooleanValue.Create(value.BoolValue),
        _ => NilValue.Instance,
    };

    // Struct numbers are doubles. Integral ones (ids, counts) must print as "42", not "42.0";
    // the few doubles decimal cannot hold (NaN, ±∞, > 7.9e28) print as the double would.
    private static FluidValue ToNumber(double number)
        => double.IsFinite(number) && Math.Abs(number) < 7.9e28
            ? NumberValue.Create((decimal)number)
            : StringValue.Create(number.ToString(CultureInfo.InvariantCulture));
}
