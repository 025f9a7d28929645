using System.Diagnostics.CodeAnalysis;
using Fluid;

namespace Notify.Templates;

/// <summary>The outcome of <see cref="TemplateCompiler.Compile"/>: a parsed template or the syntax error.</summary>
public sealed record TemplateCompilation(IFluidTemplate? Template, LiquidSyntaxError? Error)
{
    [MemberNotNullWhen(true, nameof(Template))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Template is not null;
}
