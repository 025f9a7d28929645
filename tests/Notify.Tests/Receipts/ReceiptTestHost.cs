using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Receipts;

/// <summary>
/// A channel process's receipt endpoints on a real loopback Kestrel, with its services as the
/// channel registers them and a real database: what a provider's webhook call meets.
/// </summary>
public sealed class ReceiptTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReceiptTestHost(WebApplication app, Uri address)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public Uri Address => Client.BaseAddress!;

    public static async Task<ReceiptTestHost> StartAsync(
        OutboxDatabase database, IDictionary<string, string?> settings, Action<IHostApplicationBuilder> register,
        Action<WebApplication> map, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();   // not the appsettings.json that other projects copy into the test output
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // Providers call over HTTP/1.1 (the test process's own defaults may say HTTP/2 for gRPC).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1));
        builder.Services.AddSingleton(database.DataSource);
        if (time is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(time));
        }
        register(builder);
        if (time is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(time));
        }
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ReceiptTestHost(app, new Uri(address));
    }

    public static ByteArrayContent Body(byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
