using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Values;
using Google.Protobuf.WellKnownTypes;

namespace Notify.Templates;

/// <summary>
/// Parses, inspects and renders Liquid templates (Fluid). Pure: no I/O, no state besides the
/// shared parser and options, which are safe to use from many threads.
/// </summary>
public static partial class TemplateCompiler
{
    // Templates cannot include other templates: there is no file provider, so `include` and
    // `render` render nothing. MaxSteps and MaxRenderedLength bound what one render may cost a
    // delivery worker. Known gap: Fluid materializes a range before iterating, so
    // `(1..100000000)` allocates its whole array before MaxSteps stops the loop.
    private static readonly FluidParser Parser = new(new FluidParserOptions { AllowFunctions = false, AllowLiquidTag = true });

    /// <summary>The longest output a render may produce, in characters.</summary>
    public const int MaxRenderedLength = 1024 * 1024;

    private static readonly TemplateOptions Options = new()
    {
        MaxSteps = 100_000,
        MaxRecursion = 20,
        CultureInfo = CultureInfo.InvariantCulture,
        TimeZone = TimeZoneInfo.Utc,
        // Names are matched exactly, as TemplateVariableCollector and the Send-time check do.
        ModelNamesComparer = StringComparer.Ordinal,
    };

    /// <summary>Parses <paramref name="source"/>; a syntax error carries its line and column.</summary>
    public static TemplateCompilation Compile(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string? error;
        try
        {
            if (Parser.TryParse(source, out var template, out error))
            {
                return new TemplateCompilation(template, null);
            }
        }
        catch (ParseException exception)
        {
            error = exception.Message;
        }

        return new TemplateCompilation(null, ToSyntaxError(error));
    }

    /// <summary>
    /// The sorted, distinct top-level names <paramref name="source"/> reads, which a caller must
    /// supply (see <see cref="TemplateVariableCollector"/> for the rule).
    /// </summary>
    /// <exception cref="ArgumentException">The source does not parse.</exception>
    public static IReadOnlyList<string> Variables(string source)
    {
        var compilation = Compile(source);
        return compilation.Succeeded
            ? Variables(compilation.Template)
            : throw new ArgumentException(compilation.Error.ToString(), nameof(source));
    }

    /// <inheritdoc cref="Variables(string)"/>
    public static IReadOnlyList<string> Variables(IFluidTemplate template) => TemplateVariableCollector.Collect(template);

    // Every Render throws InvalidOperationException when the template runs more than MaxSteps
    // statements or writes more than MaxRenderedLength characters.

    /// <summary>Renders with the members of a JSON object as the template's top-level variables.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not a JSON object.</exception>
    public static string Render(IFluidTemplate template, JsonElement data, TemplateEncoding encoding = TemplateEncoding.Text)
    {
        if (data.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null))
        {
            throw new ArgumentException("Template data must be a JSON object.", nameof(data));
        }

        var context = new TemplateContext(Options);
        if (data.ValueKind is JsonValueKind.Object)
        {
            foreach (var property in data.EnumerateObject())
            {
                context.SetValue(property.Name, TemplateModel.ToFluidValue(property.Value));
            }
        }
        return Render(template, context, encoding);
    }

    /// <summary>Renders with the fields of a protobuf <see cref="Struct"/> (a Send's <c>template.data</c>).</summary>
    public static string Render(IFluidTemplate template, Struct? data, TemplateEncoding encoding = TemplateEncoding.Text)
    {
        var context = new TemplateContext(Options);
        if (data is not null)
        {
            foreach (var (name, value) in data.Fields)
            {
                context.SetValue(name, TemplateModel.ToFluidValue(value));
            }
        }
        return Render(template, context, encoding);
    }

    /// <summary>Renders with already converted values (see <see cref="TemplateModel"/>).</summary>
    public static string Render(IFluidTemplate template, IReadOnlyDictionary<string, FluidValue> data, TemplateEncoding encoding = TemplateEncoding.Text)
    {
        var context = new TemplateContext(Options);
        foreach (var (name, value) in data)
        {
            context.SetValue(name, value);
        }
        return Render(template, context, encoding);
    }

    private static string Render(IFluidTemplate template, TemplateContext context, TemplateEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(template);
        TextEncoder encoder = encoding switch
        {
            TemplateEncoding.Html => HtmlEncoder.Default,
            TemplateEncoding.Json => JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            _ => NullEncoder.Default,
        };
        using var writer = new BoundedStringWriter(MaxRenderedLength);
        // No I/O happens (no file provider, an in-memory writer), so this completes synchronously.
        var rendering = template.RenderAsync(writer, context, encoder, isolateContext: false);
        if (!rendering.IsCompletedSuccessfully)
        {
            rendering.AsTask().GetAwaiter().GetResult();
        }
        return writer.ToString();
    }

    // Fluid reports errors as "<message> at (<line>:<column>)", followed on later lines by
    // "Source:" and the offending source line. Only the first line is kept: the description
    // goes back to the caller and the source line adds nothing the position does not say.
    private static LiquidSyntaxError ToSyntaxError(string? error)
    {
        var firstLine = (error ?? "The template could not be parsed.").Split('\n', 2)[0].TrimEnd('\r', ' ');
        var match = PositionPattern().Match(firstLine);
        if (!match.Success)
        {
            return new LiquidSyntaxError(0, 0, firstLine);
        }

        var line = int.Parse(match.Groups["line"].ValueSpan, CultureInfo.InvariantCulture);
        var column = int.Parse(match.Groups["column"].ValueSpan, CultureInfo.InvariantCulture);
        var message = firstLine[..match.Index].TrimEnd();

        // For an unknown tag Fluid stops after the tag's name; point at the name instead.
        var unknownTag = UnknownTagPattern().Match(message);
        if (unknownTag.Success && column > unknownTag.Groups["name"].Length)
        {
            column -= unknownTag.Groups["name"].Length;
        }
        return new LiquidSyntaxError(line, column, message.Length > 0 ? message : "The template could not be parsed.");
    }

    [GeneratedRegex(@"\s*at \((?<line>\d+):(?<column>\d+)\)\s*$")]
    private static partial Regex PositionPattern();

    [GeneratedRegex(@"^Unknown tag '(?<name>[^']*)'$")]
    private static partial Regex UnknownTagPattern();
}
