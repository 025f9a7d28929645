using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Notify.WhatsApp.CloudApi;
using Notify.WhatsApp.Tier;

namespace Notify.Tests.WhatsApp;

/// <summary>A bad WhatsApp configuration stops the process at start with a message naming the key, never the token.</summary>
public sealed class WhatsAppOptionsTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Notify:WhatsApp:Cloud:BaseUrl"] = "https://graph.facebook.com",
        ["Notify:WhatsApp:Cloud:ApiVersion"] = "v23.0",
        ["Notify:WhatsApp:Cloud:PhoneNumberId"] = "106540352242922",
        ["Notify:WhatsApp:Cloud:AccessToken"] = "EAAG-secret-token",
        ["Notify:WhatsApp:MessagingTier"] = "10K",
    };

    [Fact]
    public void A_complete_configuration_is_accepted()
    {
        var (cloud, tier) = Resolve(Valid);

        Assert.Equal("106540352242922", cloud.PhoneNumberId);
        Assert.Equal(new TierLimit(10_000), tier.ParseLimit());
    }

    [Theory]
    [InlineData("Notify:WhatsApp:Cloud:AccessToken", null, "AccessToken")]
    [InlineData("Notify:WhatsApp:Cloud:PhoneNumberId", null, "PhoneNumberId")]
    [InlineData("Notify:WhatsApp:Cloud:PhoneNumberId", "+15550783881", "PhoneNumberId")]
    [InlineData("Notify:WhatsApp:Cloud:ApiVersion", "23.0", "ApiVersion")]
    [InlineData("Notify:WhatsApp:Cloud:BaseUrl", "ftp://graph.facebook.com", "BaseUrl")]
    public void A_bad_cloud_setting_fails_naming_the_setting(string key, string? value, string named)
    {
        var settings = new Dictionary<string, string?>(Valid) { [key] = value };

        var failure = Assert.Throws<OptionsValidationException>(() => Resolve(settings));

        Assert.Contains(named, failure.Message);
        Assert.DoesNotContain("EAAG-secret-token", failure.Message);
    }

    [Fact]
    public void A_malformed_token_is_refused_without_printing_it()
    {
        var settings = new Dictionary<string, string?>(Valid) { ["Notify:WhatsApp:Cloud:AccessToken"] = "EAAG secret" };

        var failure = Assert.Throws<OptionsValidationException>(() => Resolve(settings));

        Assert.Contains("AccessToken", failure.Message);
        Assert.DoesNotContain("EAAG", failure.Message);
    }

    [Theory]
    [InlineData("250", 250)]
    [InlineData("1K", 1_000)]
    [InlineData("2k", 2_000)]
    [InlineData("100K", 100_000)]
    [InlineData("Unlimited", null)]
    [InlineData("40", 40)]
    public void Tiers_are_read_as_meta_names_them(string text, int? recipients)
    {
        Assert.True(TierLimit.TryParse(text, out var limit));
        Assert.Equal(recipients, limit.Recipients);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("lots")]
    [InlineData("1M")]
    public void A_tier_that_is_not_one_fails_at_start(string text)
    {
        var settings = new Dictionary<string, string?>(Valid) { ["Notify:WhatsApp:MessagingTier"] = text };

        var failure = Assert.Throws<OptionsValidationException>(() => Resolve(settings));

        Assert.Contains("MessagingTier", failure.Message);
    }

    private static (WhatsAppCloudOptions Cloud, MessagingTierOptions Tier) Resolve(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddOptions<WhatsAppCloudOptions>().BindConfiguration(WhatsAppCloudOptions.SectionName).ValidateDataAnnotations();
        services.AddOptions<MessagingTierOptions>().BindConfiguration(MessagingTierOptions.SectionName).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IOptions<WhatsAppCloudOptions>>().Value, provider.GetRequiredService<IOptions<MessagingTierOptions>>().Value);
    }
}
