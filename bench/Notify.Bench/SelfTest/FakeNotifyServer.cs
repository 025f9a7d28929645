using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Notify.Bench.Targeting;

namespace Notify.Bench.SelfTest;

/// <summary>
/// A throwaway NotifyService on a loopback port, hosted inside the bench process for
/// <c>--self-test</c>. It exists to check the load generator's own mechanics (loops,
/// pacing, percentiles, reporting) without a running Notify. It shares the process and
/// the CPU with the generator, so its numbers say what the client can drive, never how
/// fast Notify is.
/// </summary>
internal sealed class FakeNotifyServer : IAsyncDisposable
{
    public const string ApiKey = "nfy_selftest_not_a_real_key";

    private readonly WebApplication _app;

    private FakeNotifyServer(WebApplication app, Uri address)
    {
        _app = app;
        Target = new BenchTarget(address, ApiKey, "in-process self-test server");
    }

    public BenchTarget Target { get; }

    public static async Task<FakeNotifyServer> StartAsync(TimeSpan answerDelay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new FakeNotifyService.Settings(ApiKey, answerDelay));

        var app = builder.Build();
        app.MapGrpcService<FakeNotifyService>();
        await app.StartAsync();

        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new FakeNotifyServer(app, new Uri(bound));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
