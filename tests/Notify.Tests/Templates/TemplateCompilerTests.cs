using Notify.Ingress.Templates;
using Notify.Templates;

namespace Notify.Tests.Templates;

public sealed class TemplateCompilerTests
{
    [Theory]
    [InlineData("Hello {{ name", 1, 14)]
    [InlineData("line one\nline two {% frobnicate %}", 2, 13)]
    [InlineData("a\n\n  {{ total | }}", 3, 13)]
    [InlineData("{% if vip %}\nWelcome back", 2, 13)]
    [InlineData("Hi\n{{ user.name | upcase:: }}", 2, 22)]
    [InlineData("{% for x in %}{% endfor %}", 1, 7)]
    public void Compile_reports_the_line_and_column_of_a_syntax_error(string source, int line, int column)
    {
        var compilation = TemplateCompiler.Compile(source);

        Assert.False(compilation.Succeeded);
        Assert.Equal((line, column), (compilation.Error.Line, compilation.Error.Column));
        Assert.StartsWith($"Liquid syntax error at line {line}, column {column}: ", compilation.Error.ToString());
    }

    [Fact]
    public void Compile_error_message_names_the_problem_without_the_source_listing()
    {
        var compilation = TemplateCompiler.Compile("ok\n{% frobnicate %}");

        Assert.False(compilation.Succeeded);
        Assert.Equal("Unknown tag 'frobnicate'", compilation.Error.Message);
        Assert.DoesNotContain("Source", compilation.Error.ToString());
    }

    [Fact]
    public void Compile_accepts_a_valid_template()
    {
        var compilation = TemplateCompiler.Compile("Hi {{ user.first_name | capitalize }}{% if vip %}!{% endif %}");

        Assert.True(compilation.Succeeded);
        Assert.Null(compilation.Error);
    }

    [Fact]
    public void Variables_of_the_reference_template_are_the_top_level_inputs_only()
    {
        const string source = "Hello {{ user.first_name | upcase }}, {% for i in items %}{{ i.name }}{% endfor %} "
            + "{% assign x = 1 %}{{ x }} {% if vip %}…{% endif %}";

        Assert.Equal(["items", "user", "vip"], TemplateCompiler.Variables(source));
    }

    [Theory]
    [InlineData("{{ x }}{% assign x = 1 %}{{ x }}", "x")]
    [InlineData("{% assign n = n | plus: 1 %}{{ n }}", "n")]
    [InlineData("{% capture greeting %}Hi {{ name }}{% endcapture %}{{ greeting }}", "name")]
    [InlineData("{% for p in order.lines limit: max offset: skip %}{{ forloop.index }} {{ p.sku }}{% else %}{{ p }}{% endfor %}", "max,order,p,skip")]
    [InlineData("{% for i in (1..count) %}{{ i }}{% endfor %}", "count")]
    [InlineData("{% tablerow c in cells cols: width %}{{ c }}{{ tablerowloop.col }}{% endtablerow %}", "cells,width")]
    [InlineData("{% case plan.tier %}{% when gold %}{{ perks }}{% when 'basic' %}{% else %}{{ fallback }}{% endcase %}", "fallback,gold,perks,plan")]
    [InlineData("{% unless paid %}{{ due | date: fmt }}{% else %}thanks{% endunless %}", "due,fmt,paid")]
    [InlineData("{% if a and b or c == empty %}{% elsif d contains 'x' %}{{ e[key] }}{% endif %}", "a,b,c,d,e,key")]
    [InlineData("{% increment visits %}{{ visits }}{% decrement left %}", "")]
    [InlineData("{% cycle rowgroup: odd_class, 'even' %}", "odd_class")]
    [InlineData("{{ 'hello' | append: suffix | truncate: 5 }} {{ nil }} {{ true }} {{ blank }}", "suffix")]
    [InlineData("{% if vip %}{% assign tier = 'gold' %}{% else %}{{ tier }}{% endif %}", "vip")]
    [InlineData("{% raw %}{{ not_a_variable }}{% endraw %}{% comment %}{{ nor_this }}{% endcomment %}", "")]
    [InlineData("{% liquid\nassign total = price | times: qty\necho total %}", "price,qty")]
    public void Variables_follow_the_documented_rule(string source, string expected)
    {
        var expectedNames = expected.Length == 0 ? [] : expected.Split(',');

        Assert.Equal(expectedNames, TemplateCompiler.Variables(source));
    }

    [Fact]
    public void Variables_of_an_invalid_template_throw()
    {
        Assert.Throws<ArgumentException>(() => TemplateCompiler.Variables("{{ oops"));
    }
}
