using System.Net;

namespace Notify.ServiceDefaults.Management;

/// <summary>One parsed management URL: the address Kestrel listens on (null: every interface) and the port.</summary>
public sealed record ManagementUrl(IPAddress? Address, int Port, bool IsLocalhost)
{
    /// <summary>Parses <see cref="ManagementOptions.Urls"/>; the error names the bad entry and what is accepted.</summary>
    public static IReadOnlyList<ManagementUrl> ParseAll(string urls, out string? error)
    {
        var parsed = new List<ManagementUrl>();
        foreach (var entry in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParse(entry) is not { } url)
            {
                error = $"{ManagementOptions.SectionName}:Urls has '{entry}': expected http://ADDRESS:PORT with an IP address, " +
                        "localhost, * or 0.0.0.0 (host names are not bound; https is not served here).";
                return [];
            }
            parsed.Add(url);
        }
        error = parsed.Count == 0 ? $"{ManagementOptions.SectionName}:Urls names no URL." : null;
        return parsed;
    }

    private static ManagementUrl? TryParse(string entry)
    {
        // "*" and "+" are not valid URI hosts; they mean every interface, as in ASPNETCORE_URLS.
        var normalized = entry.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || !HasExplicitPort(normalized, uri))
        {
            return null;
        }
        if (uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns)
        {
            return new ManagementUrl(IPAddress.Loopback, uri.Port, IsLocalhost: true);
        }
        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            return null;
        }
        var any = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
        return new ManagementUrl(any ? null : address, uri.Port, IsLocalhost: false);
    }

    /// <summary>A management URL without a port would silently mean 80; say it.</summary>
    private static bool HasExplicitPort(string text, Uri uri) =>
        text.AsSpan(uri.Scheme.Length + 3).Contains(':') && text.LastIndexOf(':') > text.LastIndexOf(']');
}
