using Notify.Ingress.Templates;
using Notify.Templates;

namespace Notify.Tests.Templates;

public sealed class LocaleTagTests
{
    [Theory]
    [InlineData("", "en")]
    [InlineData("EN", "en")]
    [InlineData("pt-br", "pt-BR")]
    [InlineData("PT-BR", "pt-BR")]
    [InlineData("zh-hant-tw", "zh-Hant-TW")]
    [InlineData("es-419", "es-419")]
    [InlineData("fil", "fil")]
    public void TryNormalize_applies_the_registry_case_conventions(string input, string expected)
    {
        Assert.True(LocaleTag.TryNormalize(input, out var normalized));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("e")]
    [InlineData("pt_BR")]
    [InlineData("pt-")]
    [InlineData("english")]
    [InlineData("en-abcdefghi")]
    [InlineData("en US")]
    public void TryNormalize_rejects_what_is_not_a_language_tag(string input)
    {
        Assert.False(LocaleTag.TryNormalize(input, out _));
    }

    [Theory]
    [InlineData("pt-BR", "pt-BR,pt,en")]
    [InlineData("pt", "pt,en")]
    [InlineData("en-GB", "en-GB,en")]
    [InlineData("en", "en")]
    [InlineData("zh-Hant-TW", "zh-Hant-TW,zh,en")]
    public void FallbackChain_tries_the_tag_then_its_language_then_english(string locale, string chain)
    {
        Assert.Equal(chain.Split(','), LocaleTag.FallbackChain(locale));
    }
}
