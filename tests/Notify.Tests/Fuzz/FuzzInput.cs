using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace Notify.Tests.Fuzz;

/// <summary>
/// Generators of hostile input: arbitrary bytes, strings full of the characters that break
/// parsers, SQL and logs, and JSON documents shaped like a provider's body with every value of
/// the wrong type somewhere.
/// </summary>
internal static class FuzzInput
{
    /// <summary>Characters that have broken real systems: quotes and SQL, NUL and controls, lone surrogates, bidi overrides, huge digits.</summary>
    private static readonly string[] Nasty =
    [
        "'", "\"", "\\", "'; DROP TABLE notify.deliveries; --", "%", "_", "$1", "\0", "\u0001", "\r\n", "\t", "\u007f",
        "\ud800", "\udfff", "\ufffd", "\u202e", "\u2028", "😀", "Ω", "ß", "١٢٣", "NaN", "-0", "1e309", "99999999999999999999",
        "<script>", "{{ x }}", "{% raw %}", "null", "true", "[]", "{}", "a=b&c=d", "%00", "%ZZ", "+", " ",
    ];

    public static Gen<string> NastyString { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<string>().Select(s => s ?? ""),
        Gen.Elements(Nasty),
        Gen.ListOf(Gen.Elements(Nasty)).Select(parts => string.Concat(parts)));

    public static Gen<byte[]> Bytes { get; } = Gen.OneOf(
        ArbMap.Default.GeneratorFor<byte[]>().Select(b => b ?? []),
        // Invalid UTF-8: continuation bytes alone, overlong forms, surrogates encoded, truncated sequences.
        Gen.Elements<byte[]>([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff, 0xfe]),
        NastyString.Select(s => Encoding.UTF8.GetBytes(s)));

    /// <summary>
    /// A JSON document built from <paramref name="keys"/> (the provider's own field names, so the
    /// parser goes deep) with values of every kind, nested up to a few levels.
    /// </summary>
    public static Gen<string> Json(params string[] keys) => Gen.Sized(size => Node(keys, Math.Min(size / 10 + 1, 5)))
        .Select(node => node?.ToJsonString() ?? "null");

    private static Gen<JsonNode?> Node(string[] keys, int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Constant<JsonNode?>(null),
            ArbMap.Default.GeneratorFor<bool>().Select(b => (JsonNode?)JsonValue.Create(b)),
            ArbMap.Default.GeneratorFor<long>().Select(n => (JsonNode?)JsonValue.Create(n)),
            Gen.Elements(0.5, -1e300, 1e300, 1.7976931348623157e308).Select(d => (JsonNode?)JsonValue.Create(d)),
            NastyString.Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.Elements("delivered", "bounce", "dropped", "processed", "read", "failed", "sent", "blocked", "Bounced Address",
                Guid.NewGuid().ToString(), "1600112492", "-5", "").Select(s => (JsonNode?)JsonValue.Create(s)));
        if (depth <= 0)
        {
            return scalar;
        }
        var array = Gen.ListOf(Node(keys, depth - 1)).Select(items => (JsonNode?)new JsonArray([.. items.Select(i => i?.DeepClone())]));
        var obj = Gen.ListOf(Gen.Zip(Gen.OneOf(Gen.Elements(keys), NastyString), Node(keys, depth - 1)))
            .Select(pairs =>
            {
                var o = new JsonObject();
                foreach (var (key, value) in pairs)
                {
                    o[key] = value?.DeepClone();
                }
                return (JsonNode?)o;
            });
        return Gen.Frequency((2, scalar), (3, array), (4, obj));
    }
}
