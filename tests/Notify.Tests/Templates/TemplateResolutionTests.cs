using Notify.Ingress.Templates;
using Notify.Templates;

namespace Notify.Tests.Templates;

public sealed class TemplateResolutionTests
{
    [Fact]
    public void MissingVariables_is_the_sorted_union_over_channels_minus_what_was_supplied()
    {
        var resolution = new TemplateResolution(
            new Dictionary<string, ResolvedTemplate>
            {
                ["email"] = new("email", 2, "pt-BR", ["order", "user"]),
                ["sms"] = new("sms", 1, "en", ["code", "user"]),
            },
            []);

        Assert.Equal(["code", "order"], resolution.MissingVariables(["user", "unused"]));
        Assert.Empty(resolution.MissingVariables(["code", "order", "user"]));
    }

    [Fact]
    public void A_page_token_round_trips_and_garbage_is_refused()
    {
        var token = new TemplatePageToken("order.shipped", "email", "pt-BR");

        Assert.True(TemplatePageToken.TryDecode(token.Encode(), out var decoded));
        Assert.Equal(token, decoded);
        Assert.False(TemplatePageToken.TryDecode("not base64!", out _));
        Assert.False(TemplatePageToken.TryDecode(new TemplatePageToken("a", "b", "c").Encode()[..3], out _));
    }
}
