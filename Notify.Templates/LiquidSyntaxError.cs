namespace Notify.Templates;

/// <summary>
/// Where and why a Liquid source failed to parse. <see cref="Line"/> and <see cref="Column"/>
/// are 1-based; both are 0 when the parser gave no position.
/// </summary>
public sealed record LiquidSyntaxError(int Line, int Column, string Message)
{
    public override string ToString() => Line > 0
        ? $"Liquid syntax error at line {Line}, column {Column}: {Message}"
        : $"Liquid syntax error: {Message}";
}
