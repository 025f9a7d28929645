using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Hosting;

/// <summary>
/// What <c>AddServiceDefaults</c> and <c>MapDefaultEndpoints</c> give a process started the plain
/// way (<c>ASPNETCORE_URLS</c>, no AppHost), as a deployment would start it.
/// </summary>
public sealed class DefaultEndpointsTests
{
    [Fact]
    public async Task The_hosting_urls_are_still_served_next_to_the_management_listener_and_only_the_api_is_there()
    {
        var logs = new CapturedLogs();
        await using var app = await StartAsync(Environments.Production, logs);
        using var client = PublicClient(app);

        using var api = await client.GetAsync("/hello");
        using var metrics = await client.GetAsync("/metrics");

        Assert.Equal("hello", await api.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        // Kestrel would warn at every start that it "overrides" the URLs, which are in fact served.
        Assert.DoesNotContain(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal));
    }

    /// <summary>In Development (which the AppHost runs every process in) too: never ASP.NET Core's developer page with the request's headers.</summary>
    [Fact]
    public async Task An_unhandled_exception_answers_500_without_echoing_the_request()
    {
        await using var app = await StartAsync(Environments.Development);
        using var client = PublicClient(app);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/boom") { Content = new StringContent("secret-body-3141") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "secret-token-2718");

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("secret-token-2718", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartAsync(string environment, CapturedLogs? logs = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        builder.Configuration.Sources.Clear();   // not the appsettings.json (HTTP/2-only Kestrel) other projects copy into the test output
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseUrls("http://127.0.0.1:0");   // what ASPNETCORE_URLS sets
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/hello", () => "hello");
        app.MapPost("/boom", (RequestDelegate)(_ => throw new InvalidOperationException("failed")));
        await app.StartAsync();
        return app;
    }

    /// <summary>A client of the hosting URL (a public listener; there must be exactly one).</summary>
    private static HttpClient PublicClient(WebApplication app)
    {
        var management = app.Services.GetRequiredService<Notify.ServiceDefaults.Management.ManagementEndpoint>();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var address = Assert.Single(addresses, a => !management.IsManagementAddress(a));
        return new HttpClient { BaseAddress = new Uri(address) };
    }
}
