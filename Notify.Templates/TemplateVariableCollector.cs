using Fluid;
using Fluid.Ast;

namespace Notify.Templates;

/// <summary>
/// Finds the top-level variables a template reads, so a Send can be checked for missing data
/// without rendering.
/// </summary>
/// <remarks>
/// The rule, applied in source order:
/// <list type="bullet">
/// <item>The root of every variable reference counts (<c>user</c> in <c>user.address[0].city</c>),
/// including references inside filter arguments, indexers, loop sources and conditions.
/// Filter names and literals (<c>empty</c>, <c>blank</c>, <c>nil</c>, <c>true</c>) do not.</item>
/// <item><c>assign</c>, <c>capture</c>, <c>increment</c> and <c>decrement</c> define a name from that
/// point of the source on, whatever branch they sit in, so a name read before its definition
/// still counts (<c>{{ x }}{% assign x = 1 %}</c> reads <c>x</c>) and a name read after it does not.
/// An assignment's own value is read first: <c>{% assign n = n | plus: 1 %}</c> reads <c>n</c>.</item>
/// <item><c>for</c> and <c>tablerow</c> define their loop variable and <c>forloop</c> /
/// <c>tablerowloop</c> only inside their body.</item>
/// <item>A <c>cycle</c> group name is a label, not a read.</item>
/// </list>
/// Both under-approximations are deliberate: a definition in a branch not taken leaves the name
/// empty at render time, which Liquid renders as nothing rather than failing.
/// </remarks>
internal sealed class TemplateVariableCollector : AstVisitor
{
    private readonly SortedSet<string> _reads = new(StringComparer.Ordinal);
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
    private readonly List<string> _loopLocals = [];

    public static IReadOnlyList<string> Collect(IFluidTemplate template)
    {
        var collector = new TemplateVariableCollector();
        collector.VisitTemplate(template);
        return [.. collector._reads];
    }

    private bool IsDefined(string name) => _defined.Contains(name) || _loopLocals.Contains(name);

    private void VisitAll(IEnumerable<Statement>? statements)
    {
        foreach (var statement in statements ?? [])
        {
            Visit(statement);
        }
    }

    private void VisitLoopBody(IEnumerable<Statement> statements, params string[] locals)
    {
        _loopLocals.AddRange(locals);
        VisitAll(statements);
        _loopLocals.RemoveRange(_loopLocals.Count - locals.Length, locals.Length);
    }

    protected override Expression VisitMemberExpression(MemberExpression memberExpression)
    {
        var segments = memberExpression.Segments;
        if (segments.Count > 0 && segments[0] is IdentifierSegment root && !IsDefined(root.Identifier))
        {
            _reads.Add(root.Identifier);
        }

        foreach (var segment in segments)
        {
            switch (segment)
            {
                case IndexerSegment indexer:
                    Visit(indexer.Expression);
                    break;
                case FunctionCallSegment call:
                    foreach (var argument in call.Arguments)
                    {
                        Visit(argument.Expression);
                    }
                    break;
            }
        }
        return memberExpression;
    }

    protected override Statement VisitAssignStatement(AssignStatement assignStatement)
    {
        Visit(assignStatement.Value);
        _defined.Add(assignStatement.Identifier);
        return assignStatement;
    }

    protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
    {
        VisitAll(captureStatement.Statements);
        _defined.Add(captureStatement.Identifier);
        return captureStatement;
    }

    protected override Statement VisitIncrementStatement(IncrementStatement incrementStatement)
    {
        _defined.Add(incrementStatement.Identifier);
        return incrementStatement;
    }

    protected override Statement VisitDecrementStatement(DecrementStatement decrementStatement)
    {
        _defined.Add(decrementStatement.Identifier);
        return decrementStatement;
    }

    protected override Statement VisitCycleStatement(CycleStatement cycleStatement)
    {
        foreach (var value in cycleStatement.Values)
        {
            Visit(value);
        }
        return cycleStatement;
    }

    protected override Statement VisitForStatement(ForStatement forStatement)
    {
        Visit(forStatement.Source);
        Visit(forStatement.Range);
        Visit(forStatement.Limit);
        Visit(forStatement.Offset);
        VisitLoopBody(forStatement.Statements, forStatement.Identifier, "forloop");
        Visit(forStatement.Else);
        return forStatement;
    }

    protected override Statement VisitTableRowStatement(TableRowStatement tableRowStatement)
    {
        Visit(tableRowStatement.Source);
        Visit(tableRowStatement.Limit);
        Visit(tableRowStatement.Offset);
        Visit(tableRowStatement.Cols);
        VisitLoopBody(tableRowStatement.Statements, tableRowStatement.Identifier, "tablerowloop");
        return tableRowStatement;
    }

    // The base visitor walks `else` before the `if` body; source order matters for assignments.
    protected override Statement VisitIfStatement(IfStatement ifStatement)
    {
        Visit(ifStatement.Condition);
        VisitAll(ifStatement.Statements);
        foreach (var elseIf in ifStatement.ElseIfs)
        {
            Visit(elseIf);
        }
        Visit(ifStatement.Else);
        return ifStatement;
    }

    protected override Statement VisitUnlessStatement(UnlessStatement unlessStatement)
    {
        Visit(unlessStatement.Condition);
        VisitAll(unlessStatement.Statements);
        Visit(unlessStatement.Else);
        return unlessStatement;
    }

    protected override Statement VisitCaseStatement(CaseStatement caseStatement)
    {
        Visit(caseStatement.Expression);
        foreach (var when in caseStatement.Whens)
        {
            Visit(when);
        }
        Visit(caseStatement.Else);
        return caseStatement;
    }

    protected override Statement VisitMacroStatement(MacroStatement macroStatement)
    {
        foreach (var argument in macroStatement.Arguments)
        {
            Visit(argument.Expression);
        }
        _defined.Add(macroStatement.Identifier);
        VisitLoopBody(macroStatement.Statements, [.. macroStatement.Arguments.Select(a => a.Name)]);
        return macroStatement;
    }

    // Partials cannot be loaded (no file provider), but their arguments are still evaluated.
    protected override Statement VisitRenderStatement(RenderStatement renderStatement)
    {
        Visit(renderStatement.With);
        Visit(renderStatement.For);
        foreach (var argument in renderStatement.AssignStatements ?? [])
        {
            Visit(argument.Value);
        }
        return renderStatement;
    }

    protected override Statement VisitIncludeStatement(IncludeStatement includeStatement)
    {
        Visit(includeStatement.Path);
        Visit(includeStatement.With);
        Visit(includeStatement.For);
        foreach (var argument in includeStatement.AssignStatements ?? [])
        {
            Visit(argument.Value);
        }
        return includeStatement;
    }
}
