using Google.Rpc;
using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Ingress.Templates;
using Notify.Templates;

namespace Notify.Tests.Templates;

public sealed class TemplateRequestsTests
{
    private static PutTemplateRequest Email() => new()
    {
        TemplateId = "order.shipped_v2",
        Channel = Channel.Email,
        Locale = "pt-br",
        Subject = "Pedido {{ order.id }}",
        Body = "Olá {{ user.name }}",
        HtmlBody = "<p>{{ user.name }}{% for l in order.lines %}{{ l.sku }}{% endfor %} {{ tracking_url }}</p>",
    };

    private static Dictionary<string, string> Violations(PutTemplateRequest request)
    {
        var exception = Assert.Throws<RpcException>(() => TemplateRequests.Validate(request));
        Assert.Equal(StatusCode.InvalidArgument, exception.StatusCode);
        var badRequest = exception.GetRpcStatus()!.GetDetail<BadRequest>();
        return badRequest.FieldViolations.ToDictionary(v => v.Field, v => v.Description);
    }

    [Fact]
    public void A_valid_email_template_is_normalised_and_lists_its_variables()
    {
        var draft = TemplateRequests.Validate(Email());

        Assert.Equal("email", draft.Channel);
        Assert.Equal("pt-BR", draft.Locale);
        Assert.Equal(["order", "tracking_url", "user"], draft.Variables);
    }

    [Fact]
    public void An_empty_locale_means_english()
    {
        var request = Email();
        request.Locale = "";

        Assert.Equal("en", TemplateRequests.Validate(request).Locale);
    }

    [Fact]
    public void A_syntax_error_names_the_part_and_its_position()
    {
        var request = Email();
        request.Body = "Olá\n\n{{ user.name | }}";
        request.Subject = "{% if x %}";

        var violations = Violations(request);

        Assert.Equal("Liquid syntax error at line 3, column 15: An identifier was expected after the '|' sign", violations["body"]);
        Assert.StartsWith("Liquid syntax error at line 1, column 11: ", violations["subject"]);
        Assert.DoesNotContain("html_body", violations.Keys);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once_without_echoing_values()
    {
        var request = new PutTemplateRequest
        {
            TemplateId = "secret token 123",
            Channel = Channel.Sms,
            Locale = "pt_BR",
            Subject = "Hi",
            HtmlBody = "<b>x</b>",
            Description = new string('d', 1025),
        };

        var violations = Violations(request);

        Assert.Equal(["body", "description", "html_body", "locale", "subject", "template_id"], violations.Keys.Order());
        Assert.Equal("must be 1 to 128 characters of letters, digits and '._-'", violations["template_id"]);
        Assert.Equal("is required for this channel", violations["body"]);
        Assert.All(violations.Values, d => Assert.DoesNotContain("secret", d));
    }

    [Theory]
    [InlineData(Channel.Unspecified, "is required")]
    [InlineData((Channel)42, "must be one of CHANNEL_EMAIL, CHANNEL_SMS, CHANNEL_WHATSAPP, CHANNEL_WEBHOOK, CHANNEL_PUSH")]
    public void The_channel_must_be_known(Channel channel, string description)
    {
        var request = new PutTemplateRequest { TemplateId = "t", Channel = channel, Body = "x" };

        Assert.Equal(description, Violations(request)["channel"]);
    }

    [Fact]
    public void Email_needs_a_subject_and_a_body_or_html_body()
    {
        var violations = Violations(new PutTemplateRequest { TemplateId = "t", Channel = Channel.Email });

        Assert.Equal("is required for CHANNEL_EMAIL", violations["subject"]);
        Assert.Equal("CHANNEL_EMAIL needs body or html_body", violations["body"]);
        Assert.NotNull(TemplateRequests.Validate(new PutTemplateRequest { TemplateId = "t", Channel = Channel.Email, Subject = "s", HtmlBody = "<p/>" }));
    }

    [Fact]
    public void Push_needs_a_title_or_a_body()
    {
        Assert.Equal("CHANNEL_PUSH needs subject (the title) or body",
            Violations(new PutTemplateRequest { TemplateId = "t", Channel = Channel.Push })["body"]);
        Assert.Equal(["n"], TemplateRequests.Validate(new PutTemplateRequest { TemplateId = "t", Channel = Channel.Push, Subject = "{{ n }} new" }).Variables);
    }

    [Fact]
    public void Sizes_follow_the_api_limits()
    {
        var request = Email();
        request.Subject = new string('s', 999);
        request.Body = new string('é', 128 * 1024 + 1); // 2 bytes each in UTF-8
        request.TemplateId = new string('a', 129);

        var violations = Violations(request);

        Assert.Equal("must be at most 998 characters", violations["subject"]);
        Assert.Equal("must be at most 256 KiB", violations["body"]);
        Assert.Contains("template_id", violations.Keys);
    }

    [Fact]
    public void A_get_request_is_normalised_and_checked()
    {
        Assert.Equal(("welcome", "sms", "pt-BR", 0),
            TemplateRequests.Validate(new GetTemplateRequest { TemplateId = "welcome", Channel = Channel.Sms, Locale = "pt-br" }));

        var exception = Assert.Throws<RpcException>(() => TemplateRequests.Validate(new GetTemplateRequest { TemplateId = "welcome", Version = -1 }));
        var fields = exception.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field);
        Assert.Equal(["channel", "version"], fields);
    }
}
