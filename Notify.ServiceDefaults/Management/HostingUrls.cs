using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace Notify.ServiceDefaults.Management;

/// <summary>
/// The public addresses a host asked for the usual ways: <c>ASPNETCORE_URLS</c> / <c>--urls</c>
/// (the <c>urls</c> host setting), else <c>ASPNETCORE_HTTP_PORTS</c> (<c>http_ports</c>, what
/// .NET container images set). Kestrel stops reading them as soon as one listener is added in
/// code, which the management listeners are; without this a process deployed with
/// <c>ASPNETCORE_URLS</c> would quietly serve nothing but health and metrics. So they are bound
/// here, as Kestrel would have bound them. <c>Kestrel:Endpoints</c> (what the AppHost sets)
/// Kestrel binds itself, and then, as always, it ignores these settings.
/// </summary>
public static class HostingUrls
{
    /// <summary>Kestrel's own default when nothing at all is configured.</summary>
    public const string KestrelDefault = "http://localhost:5000";

    /// <summary>The host settings Kestrel reads the addresses from.</summary>
    private static readonly string[] SettingKeys = ["urls", "http_ports", "https_ports"];

    /// <summary>
    /// Takes the addresses over from the host: returns what was asked for (null when
    /// <c>Kestrel:Endpoints</c> is configured, which Kestrel binds itself) and clears the host
    /// settings, so Kestrel does not also see them and warn at every start that it is
    /// "overriding" addresses that are in fact bound.
    /// </summary>
    public static IReadOnlyList<string>? TakeOver(IConfiguration configuration)
    {
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return null;
        }
        var requested = Requested(configuration);
        foreach (var key in SettingKeys)
        {
            if (!string.IsNullOrEmpty(configuration[key]))
            {
                configuration[key] = string.Empty;
            }
        }
        return requested;
    }

    /// <summary>Listens on <paramref name="urls"/> (from <see cref="TakeOver"/>) as Kestrel would have.</summary>
    public static void Bind(KestrelServerOptions kestrel, IReadOnlyList<string>? urls)
    {
        foreach (var url in urls ?? [])
        {
            var (host, port, https) = Parse(url);
            // https takes Kestrel's default certificate (Kestrel:Certificates:Default), as the URL would have.
            Action<ListenOptions> configure = https ? listen => listen.UseHttps() : _ => { };
            if (host is "localhost")
            {
                kestrel.ListenLocalhost(port, configure);
            }
            else if (IPAddress.TryParse(host, out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any))
            {
                kestrel.Listen(address, port, configure);
            }
            else
            {
                kestrel.ListenAnyIP(port, configure);   // *, +, 0.0.0.0, [::] and host names, as Kestrel binds them
            }
        }
    }

    /// <summary>The URLs asked for, in Kestrel's order of precedence.</summary>
    public static IReadOnlyList<string> Requested(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        if (configuration["http_ports"] is { Length: > 0 } ports)
        {
            return [.. ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")];
        }
        return [KestrelDefault];
    }

    private static (string Host, int Port, bool Https) Parse(string url)
    {
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"The hosting URL '{url}' is not an http:// or https:// HOST:PORT address.");
        }
        return (uri.Host.Trim('[', ']'), uri.Port, uri.Scheme == Uri.UriSchemeHttps);
    }
}
