using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Notify.Ingress.Templates;
using Notify.Templates;

namespace Notify.Tests.Templates;

public sealed class TemplateRenderingTests
{
    private const string Data = """
        {
          "user": { "first_name": "ada", "address": { "city": "London" } },
          "items": [ { "name": "pen", "qty": 2 }, { "name": "ink", "qty": 1 } ],
          "total": 12.5,
          "count": 3,
          "vip": true,
          "note": "<b>hi</b>"
        }
        """;

    private static string RenderJson(string source, TemplateEncoding encoding = TemplateEncoding.Text)
    {
        var compilation = TemplateCompiler.Compile(source);
        Assert.True(compilation.Succeeded, compilation.Error?.ToString());
        using var document = JsonDocument.Parse(Data);
        return TemplateCompiler.Render(compilation.Template, document.RootElement, encoding);
    }

    [Fact]
    public void Render_reads_nested_objects_and_arrays_from_json()
    {
        var text = RenderJson(
            "{{ user.first_name | capitalize }} in {{ user.address.city }}: "
            + "{% for i in items %}{{ i.qty }}x{{ i.name }}{% unless forloop.last %}, {% endunless %}{% endfor %} "
            + "({{ items.size }} lines, first {{ items[0].name }}){% if vip %} VIP{% endif %} total {{ total | plus: count }}");

        Assert.Equal("Ada in London: 2xpen, 1xink (2 lines, first pen) VIP total 15.5", text);
    }

    [Fact]
    public void Render_html_encodes_values_only_for_html()
    {
        Assert.Equal("<p>&lt;b&gt;hi&lt;/b&gt;</p>", RenderJson("<p>{{ note }}</p>", TemplateEncoding.Html));
        Assert.Equal("<p><b>hi</b></p>", RenderJson("<p>{{ note | raw }}</p>", TemplateEncoding.Html));
        Assert.Equal("<b>hi</b>", RenderJson("{{ note }}"));
    }

    [Fact]
    public void Render_reads_a_protobuf_struct()
    {
        var data = Struct.Parser.ParseJson(Data);
        var compilation = TemplateCompiler.Compile("{{ user.address.city }} {{ items[1].name }} {{ count }} {{ total }}");
        Assert.True(compilation.Succeeded);

        Assert.Equal("London ink 3 12.5", TemplateCompiler.Render(compilation.Template, data));
    }

    [Fact]
    public void Render_writes_a_missing_variable_as_nothing()
    {
        Assert.Equal("Hi !", RenderJson("Hi {{ nobody.name }}!"));
    }

    [Fact]
    public void Render_stops_a_runaway_loop()
    {
        var compilation = TemplateCompiler.Compile("{% for i in (1..500000) %}x{% endfor %}");
        Assert.True(compilation.Succeeded);

        Assert.Throws<InvalidOperationException>(() => TemplateCompiler.Render(compilation.Template, new Struct()));
    }

    [Fact]
    public void Render_stops_output_that_grows_past_the_limit()
    {
        var compilation = TemplateCompiler.Compile(
            "{% for a in (1..300) %}{{ note }}{{ note }}{% endfor %}");
        Assert.True(compilation.Succeeded);
        var data = new Struct { Fields = { ["note"] = Value.ForString(new string('x', 2_000)) } };

        var error = Assert.Throws<InvalidOperationException>(() => TemplateCompiler.Render(compilation.Template, data));
        Assert.Contains("longer than", error.Message);
    }
}
