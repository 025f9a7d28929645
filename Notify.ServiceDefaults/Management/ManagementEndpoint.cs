using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Notify.ServiceDefaults.Management;

/// <summary>
/// The management listeners of one process (<see cref="ManagementOptions"/>) and the rule that
/// keeps the two worlds apart: management paths only on management connections, nothing else
/// there. Each management connection is marked when Kestrel accepts it, so the decision rests on
/// the socket the request came in on, never on a Host header a caller chooses (which is all
/// <c>RequireHost("*:port")</c> would check).
/// </summary>
public sealed class ManagementEndpoint(IOptions<ManagementOptions> options, HostingUrlRequest hosting)
{
    /// <summary>The paths only operators get: readiness, liveness, the detailed view and Prometheus.</summary>
    public static readonly IReadOnlyList<PathString> Paths =
        [Microsoft.Extensions.Hosting.Extensions.HealthEndpointPath, Microsoft.Extensions.Hosting.Extensions.AlivenessEndpointPath,
         Microsoft.Extensions.Hosting.Extensions.MetricsEndpointPath];

    private static readonly object ConnectionMark = new();
    private readonly List<ListenOptions> _listeners = [];

    /// <summary>
    /// False until Kestrel is configured: a host without Kestrel (an in-process test server) has no
    /// network to protect and serves every path as before.
    /// </summary>
    public bool IsActive => _listeners.Count > 0;

    /// <summary>The management URLs as bound (a port 0 resolved), once Kestrel has started.</summary>
    public IReadOnlyList<Uri> BoundUrls => [.. _listeners.Select(l => l.IPEndPoint).OfType<IPEndPoint>().Select(Url)];

    /// <summary>Adds the management listeners to Kestrel, each marking the connections it accepts.</summary>
    public void Configure(KestrelServerOptions kestrel)
    {
        var urls = ManagementUrl.ParseAll(options.Value.Urls, out var error);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }
        HostingUrls.Bind(kestrel, hosting.Urls);
        foreach (var url in urls)
        {
            if (url.IsLocalhost && url.Port != 0)
            {
                kestrel.ListenLocalhost(url.Port, Mark);
            }
            else if (url.Address is null)
            {
                kestrel.ListenAnyIP(url.Port, Mark);
            }
            else
            {
                kestrel.Listen(url.Address, url.Port, Mark);
            }
        }
    }

    /// <summary>Whether this request may go on: a management path on a management connection, any other path elsewhere.</summary>
    public bool Admits(HttpContext context) =>
        !IsActive || IsManagementConnection(context) == IsManagementPath(context.Request.Path);

    /// <summary>Whether <paramref name="address"/> (a server address as Kestrel lists them) is one of the management listeners.</summary>
    public bool IsManagementAddress(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri)
        && _listeners.Any(l => l.IPEndPoint is { } bound && bound.Port == uri.Port
            && (IsAny(bound.Address) || uri.IsLoopback && IPAddress.IsLoopback(bound.Address)
                || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var host) && host.Equals(bound.Address)));

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    public static bool IsManagementPath(PathString path) => Paths.Any(p => path.StartsWithSegments(p));

    private static bool IsManagementConnection(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ConnectionMark) == true;

    private void Mark(ListenOptions listen)
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.Use(next => connection =>
        {
            connection.Items[ConnectionMark] = true;
            return next(connection);
        });
        _listeners.Add(listen);
    }

    private static Uri Url(IPEndPoint endpoint) => IsAny(endpoint.Address)
        ? new Uri($"http://0.0.0.0:{endpoint.Port}")
        : new Uri($"http://{endpoint}");
}
