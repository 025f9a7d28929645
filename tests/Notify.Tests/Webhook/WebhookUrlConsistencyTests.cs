using Notify.Delivery.Egress;
using Notify.Ingress.Validation;

namespace Notify.Tests.Webhook;

/// <summary>
/// The ingress refuses, when a notification is sent, every webhook URL whose host is known to
/// be internal without a lookup — the same rule the SSRF guard applies when it connects — so a
/// tenant hears about it at once instead of finding a dead letter. Names are judged only by
/// the guard, after their one lookup.
/// </summary>
public sealed class WebhookUrlConsistencyTests
{
    [Theory]
    [MemberData(nameof(WebhookEgressTests.InternalHosts), MemberType = typeof(WebhookEgressTests))]
    public void The_ingress_refuses_every_internal_address_form_the_guard_refuses(string host, AddressKind kind)
    {
        var problem = AddressRules.WebhookUrl($"https://{host}/hook?token=s3cret", []);

        Assert.NotNull(problem);
        Assert.Contains(kind.Describe(), problem);
        Assert.DoesNotContain("s3cret", problem);
    }

    [Theory]
    [InlineData("https://hooks.example.com/notify")]
    [InlineData("https://93.184.216.34/hook")]
    [InlineData("https://[2606:4700::1111]/hook")]
    [InlineData("https://[::ffff:93.184.216.34]/hook")]
    [InlineData("https://[2002:5db8:d822::1]/hook")]          // 6to4 of a public address
    [InlineData("https://internal.corp.example/hook")]         // a name: judged when sending
    public void Public_addresses_and_names_are_accepted(string url)
    {
        Assert.Null(AddressRules.WebhookUrl(url, []));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000/hook", "127.0.0.1")]
    [InlineData("https://localhost/hook", "localhost")]
    [InlineData("http://[::1]:8080/hook", "::1")]
    public void A_development_allow_listed_host_may_be_internal(string url, string allowed)
    {
        Assert.Null(AddressRules.WebhookUrl(url, [allowed]));
        Assert.NotNull(AddressRules.WebhookUrl(url, []));
    }
}
