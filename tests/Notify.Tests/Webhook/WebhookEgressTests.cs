using System.Net;
using System.Net.Sockets;
using Notify.Delivery.Egress;
using Notify.Delivery.Providers;

namespace Notify.Tests.Webhook;

/// <summary>
/// The SSRF guard, through the real webhook provider and HTTP client. Loopback forms point at a
/// live endpoint on 127.0.0.1, so a form the guard missed would be delivered and fail the test;
/// every refusal is a permanent <c>SSRF_BLOCKED</c> naming the kind of address and is counted
/// in <c>notify.egress.refused</c>.
/// </summary>
[Collection(WebhookEgressCollection.Name)]
public sealed class WebhookEgressTests(ScriptedEndpoint endpoint) : IClassFixture<ScriptedEndpoint>, IDisposable
{
    /// <summary>Hosts (as written in a URL) and the kind of address they lead to.</summary>
    public static TheoryData<string, AddressKind> InternalHosts => new()
    {
        { "127.0.0.1", AddressKind.Loopback },
        { "127.0.0.1.", AddressKind.Loopback },                   // trailing dot: a "name" to Uri
        { "2130706433", AddressKind.Loopback },                   // decimal
        { "0177.0.0.1", AddressKind.Loopback },                   // octal
        { "0x7f.0.0.1", AddressKind.Loopback },                   // hex
        { "0x7f000001", AddressKind.Loopback },                   // one hex number
        { "127.1", AddressKind.Loopback },                        // short form
        { "localhost", AddressKind.Loopback },
        { "LOCALHOST.", AddressKind.Loopback },
        { "api.localhost", AddressKind.Loopback },
        { "[::1]", AddressKind.Loopback },
        { "[::ffff:127.0.0.1]", AddressKind.Loopback },           // IPv4-mapped
        { "[::ffff:7f00:1]", AddressKind.Loopback },              // IPv4-mapped, hex
        { "[::127.0.0.1]", AddressKind.Loopback },                // IPv4-compatible
        { "[64:ff9b::127.0.0.1]", AddressKind.Loopback },         // NAT64
        { "[2002:7f00:1::]", AddressKind.Loopback },              // 6to4
        { "0.0.0.0", AddressKind.Unspecified },                   // Linux connects this to the local host
        { "0", AddressKind.Unspecified },
        { "[::]", AddressKind.Unspecified },
        { "10.0.0.1", AddressKind.Private },
        { "172.16.5.4", AddressKind.Private },
        { "172.31.255.255", AddressKind.Private },
        { "192.168.1.1", AddressKind.Private },
        { "[fd00::1]", AddressKind.Private },
        { "[fc00::1]", AddressKind.Private },
        { "[::ffff:10.0.0.1]", AddressKind.Private },
        { "100.64.0.1", AddressKind.SharedAddressSpace },         // CGNAT
        { "169.254.169.254", AddressKind.Metadata },
        { "[::ffff:169.254.169.254]", AddressKind.Metadata },
        { "[64:ff9b::a9fe:a9fe]", AddressKind.Metadata },
        { "[2002:a9fe:a9fe::]", AddressKind.Metadata },
        { "[fd00:ec2::254]", AddressKind.Metadata },
        { "169.254.1.1", AddressKind.LinkLocal },
        { "[fe80::1]", AddressKind.LinkLocal },
        { "[fe80::1%25eth0]", AddressKind.LinkLocal },            // with a zone
        { "224.0.0.1", AddressKind.Multicast },
        { "[ff02::1]", AddressKind.Multicast },
        { "255.255.255.255", AddressKind.Broadcast },
        { "240.0.0.1", AddressKind.Reserved },
        { "192.0.2.1", AddressKind.Reserved },
        { "198.18.0.1", AddressKind.Reserved },
        { "[2001:0:4136:e378:8000:63bf:3fff:fdd2]", AddressKind.Reserved }, // Teredo
        { "[2001:db8::1]", AddressKind.Reserved },
    };

    private readonly RefusalRecorder _refusals = new();

    [Theory]
    [MemberData(nameof(InternalHosts))]
    public async Task Every_internal_address_form_is_refused_and_recorded(string host, AddressKind kind)
    {
        endpoint.Reset();
        var provider = WebhookTestSupport.Provider();

        var result = await provider.SendAsync($"http://{host}:{endpoint.Port}/hook?token=s3cret-token");

        AssertRefused(result, kind);
        Assert.Empty(endpoint.Requests);
    }

    [Fact]
    public async Task Unicode_digits_that_normalize_to_a_loopback_address_never_reach_it()
    {
        endpoint.Reset();
        var provider = WebhookTestSupport.Provider();

        // With ICU's IDNA this is 127.0.0.1 and refused as loopback; with invariant globalization
        // (as Notify builds) it is the name xn--orhcp.0.0.1, which does not resolve. Either way
        // nothing arrives.
        var result = await provider.SendAsync($"http://\u2460\u2461\u2466.0.0.1:{endpoint.Port}/hook");

        Assert.NotEqual(ProviderOutcome.Sent, result.Outcome);
        Assert.Contains(result.ErrorCode, new[] { "SSRF_BLOCKED", "DNS" });
        Assert.Empty(endpoint.Requests);
    }

    [Fact]
    public async Task The_same_endpoint_on_the_allow_list_is_reached_so_the_refusals_are_the_guards()
    {
        endpoint.Reset();
        var provider = WebhookTestSupport.Provider(allowedHosts: ["127.0.0.1"]);

        var result = await provider.SendAsync(endpoint.Url());

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Single(endpoint.Requests);
        Assert.Empty(_refusals.Reasons);
    }

    [Fact]
    public async Task A_name_with_any_internal_address_among_its_answers_is_refused()
    {
        var provider = WebhookTestSupport.Provider(resolve: (host, _) => Task.FromResult(host switch
        {
            "mixed.example" => new[] { IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.1.2.3") },
            "v6.example" => [IPAddress.Parse("2606:4700::1111"), IPAddress.Parse("fd12:3456::1")],
            _ => throw new SocketException((int)SocketError.HostNotFound),
        }));

        AssertRefused(await provider.SendAsync("https://mixed.example/hook"), AddressKind.Private);
        AssertRefused(await provider.SendAsync("https://v6.example/hook"), AddressKind.Private);
    }

    [Fact]
    public async Task Localhost_by_name_is_refused_whatever_the_resolver_says()
    {
        var provider = WebhookTestSupport.Provider(resolve: (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.216.34") }));

        AssertRefused(await provider.SendAsync($"http://localhost:{endpoint.Port}/hook"), AddressKind.Loopback);
    }

    [Fact]
    public async Task Ip6_localhost_from_the_hosts_file_is_refused()
    {
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync("ip6-localhost");
        }
        catch (SocketException)
        {
            Assert.Skip("ip6-localhost is not in this machine's hosts file.");
            return;
        }
        var provider = WebhookTestSupport.Provider();

        var result = await provider.SendAsync($"http://ip6-localhost:{endpoint.Port}/hook");

        AssertRefused(result, DestinationAddresses.Classify(addresses[0]));
    }

    [Fact]
    public async Task A_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to()
    {
        endpoint.Reset();
        var lookups = 0;
        // "hooks.test" exists only in this resolver: had the handler looked the name up again,
        // the send would fail with DNS instead of arriving.
        var provider = WebhookTestSupport.Provider(allowedHosts: ["hooks.test"], resolve: (host, _) =>
        {
            Interlocked.Increment(ref lookups);
            return Task.FromResult(new[] { IPAddress.Loopback });
        });

        var result = await provider.SendAsync($"http://hooks.test:{endpoint.Port}/hook");

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        Assert.Equal(1, lookups);
        var request = Assert.Single(endpoint.Requests);
        Assert.Equal($"hooks.test:{endpoint.Port}", request.Headers["host"]);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/iam/security-credentials/")]
    [InlineData("/internal-admin")]
    public async Task A_redirect_is_not_followed_and_is_reported_with_its_status(string location)
    {
        endpoint.Reset();
        endpoint.Answer = ScriptedEndpoint.Status(302, "", ("Location", location.StartsWith('/') ? endpoint.Url(location) : location));
        // 127.0.0.1 is allowed so the first request arrives; the redirect's target must not be asked.
        var provider = WebhookTestSupport.Provider(allowedHosts: ["127.0.0.1"]);

        var result = await provider.SendAsync(endpoint.Url());

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal(302, result.HttpStatus);
        Assert.Equal("302", result.ErrorCode);
        Assert.Contains("redirects are not followed", result.ErrorMessage);
        Assert.Equal("/hook", Assert.Single(endpoint.Requests).PathAndQuery);
        Assert.Equal(["redirect"], _refusals.Reasons);
    }

    [Fact]
    public async Task An_unresolvable_host_is_a_retryable_dns_failure_not_a_refusal()
    {
        var provider = WebhookTestSupport.Provider();

        var result = await provider.SendAsync("https://no-such-host.invalid/hook");

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal("DNS", result.ErrorCode);
        Assert.Empty(_refusals.Reasons);
    }

    [Fact]
    public async Task Nothing_listening_is_a_retryable_connection_failure()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var provider = WebhookTestSupport.Provider(allowedHosts: ["127.0.0.1"]);

        var result = await provider.SendAsync($"http://127.0.0.1:{port}/hook");

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal("CONNECTION", result.ErrorCode);
    }

    private void AssertRefused(ProviderResult result, AddressKind kind)
    {
        Assert.True(result is { Outcome: ProviderOutcome.Permanent, ErrorCode: "SSRF_BLOCKED" }, $"{result.Outcome} {result.ErrorCode}: {result.ErrorMessage}");
        Assert.Contains(kind.Describe(), result.ErrorMessage);
        Assert.DoesNotContain("s3cret-token", result.ErrorMessage);
        Assert.DoesNotContain("/hook", result.ErrorMessage);
        Assert.Null(result.SuppressReason);
        Assert.Contains(kind.Reason(), _refusals.Reasons);
    }

    public void Dispose() => _refusals.Dispose();
}
