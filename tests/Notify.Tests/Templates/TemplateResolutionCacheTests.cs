using Microsoft.Extensions.Time.Testing;
using Notify.Ingress.Templates;
using Notify.Templates;

namespace Notify.Tests.Templates;

public sealed class TemplateResolutionCacheTests
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly TemplateResolutionCache.Key EmailPtBr = new(Tenant, "welcome", "pt-BR", "email");
    private static readonly ResolvedTemplate Version3 = new("email", 3, "pt", ["user"]);

    [Fact]
    public void An_entry_lives_five_seconds()
    {
        var time = new FakeTimeProvider();
        var cache = new TemplateResolutionCache(time);
        cache.Set(EmailPtBr, Version3, cache.Stamp);

        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(cache.TryGet(EmailPtBr, out var cached));
        Assert.Equal(Version3, cached);

        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(cache.TryGet(EmailPtBr, out _));
    }

    [Fact]
    public void A_missing_template_is_remembered_too()
    {
        var cache = new TemplateResolutionCache(new FakeTimeProvider());
        cache.Set(EmailPtBr, null, cache.Stamp);

        Assert.True(cache.TryGet(EmailPtBr, out var cached));
        Assert.Null(cached);
    }

    [Fact]
    public void A_put_forgets_every_locale_and_channel_of_that_template_only()
    {
        var cache = new TemplateResolutionCache(new FakeTimeProvider());
        var smsEn = EmailPtBr with { Locale = "en", Channel = "sms" };
        var otherTemplate = EmailPtBr with { TemplateId = "receipt" };
        var otherTenant = EmailPtBr with { TenantId = Guid.NewGuid() };
        foreach (var key in new[] { EmailPtBr, smsEn, otherTemplate, otherTenant })
        {
            cache.Set(key, Version3, cache.Stamp);
        }

        cache.Invalidate(Tenant, "welcome");

        Assert.False(cache.TryGet(EmailPtBr, out _));
        Assert.False(cache.TryGet(smsEn, out _));
        Assert.True(cache.TryGet(otherTemplate, out _));
        Assert.True(cache.TryGet(otherTenant, out _));
    }

    [Fact]
    public void A_result_read_before_a_put_is_not_cached_after_it()
    {
        var cache = new TemplateResolutionCache(new FakeTimeProvider());
        var stamp = cache.Stamp; // the query starts

        cache.Invalidate(Tenant, "welcome"); // a put commits while it runs
        cache.Set(EmailPtBr, Version3, stamp);

        Assert.False(cache.TryGet(EmailPtBr, out _));
    }
}
