using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Notify.Tests.Webhook;

/// <summary>
/// A real HTTP endpoint on 127.0.0.1 whose answer each test scripts, recording every request as
/// it arrived (headers and raw body). It stands in for a tenant's webhook receiver, and for an
/// internal service the SSRF guard must keep requests away from.
/// </summary>
public sealed class ScriptedEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ScriptedEndpoint()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            Requests.Enqueue(new ReceivedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body.ToArray()));
            await Answer(context);
        });
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
    }

    public int Port { get; }

    /// <summary>What the endpoint answers; 200 with a small JSON body unless a test says otherwise.</summary>
    public Func<HttpContext, Task> Answer { get; set; } = Ok;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public static Task Ok(HttpContext context) => context.Response.WriteAsJsonAsync(new { ok = true });

    public static Func<HttpContext, Task> Status(int status, string body = "", params (string Name, string Value)[] headers) => async context =>
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        await context.Response.WriteAsync(body);
    };

    public void Reset()
    {
        Answer = Ok;
        Requests.Clear();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body);
