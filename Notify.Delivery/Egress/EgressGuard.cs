using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Notify.Delivery.Egress;

/// <summary>
/// The server-side request forgery guard for URLs that callers choose (webhook endpoints). It is
/// the <see cref="SocketsHttpHandler.ConnectCallback"/> of the client that calls them, so it sees
/// every connection, whatever the URL looked like: it resolves the host once, refuses if any
/// address is not public (<see cref="DestinationAddresses"/>), and connects to an address it
/// checked — never to the name, so a DNS answer that changes between check and connect (DNS
/// rebinding) gains nothing. Hosts on the development allow-list skip the address check only.
/// </summary>
public sealed class EgressGuard
{
    private readonly HashSet<string> _allowedHosts;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    /// <param name="allowedHosts">Hosts that may resolve to internal addresses (the sandbox in development; empty in production).</param>
    /// <param name="resolve">Name resolution; the system resolver unless a test supplies its own answers.</param>
    public EgressGuard(IEnumerable<string> allowedHosts, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        _allowedHosts = new HashSet<string>(allowedHosts.Select(NormalizeHost), StringComparer.OrdinalIgnoreCase);
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    /// <summary>
    /// An HTTP handler whose every connection passes the guard. Redirects are not followed (a
    /// 3xx is the caller's answer to handle) and no proxy is used: through a proxy the guard
    /// would check the proxy's address, and the proxy would connect wherever the URL said.
    /// </summary>
    public SocketsHttpHandler CreateHandler(TimeSpan connectTimeout) => new()
    {
        ConnectCallback = ConnectAsync,
        ConnectTimeout = connectTimeout,
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        // Pooled connections keep the address checked when they opened; renew them so a
        // name's new addresses are looked up (and checked) again.
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    /// <summary>Resolves, checks and connects; throws <see cref="EgressRefusedException"/> for an internal address.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await CheckAsync(context.DnsEndPoint.Host, cancellationToken);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// The addresses <paramref name="host"/> may be reached at: all of them checked. Refuses
    /// when any is internal, so a name that answers with one public and one private address
    /// cannot be used to reach the private one.
    /// </summary>
    public async Task<IPAddress[]> CheckAsync(string host, CancellationToken cancellationToken)
    {
        var normalized = NormalizeHost(host);
        var literal = TryParseAddress(normalized, out var parsed);
        var addresses = literal ? [parsed!] : await ResolveAsync(normalized, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        if (_allowedHosts.Contains(normalized))
        {
            return addresses;
        }
        foreach (var address in addresses)
        {
            var kind = DestinationAddresses.Classify(address);
            if (kind != AddressKind.Public)
            {
                EgressMetrics.RecordRefused(kind.Reason());
                throw new EgressRefusedException(kind, address, literal);
            }
        }
        return addresses;
    }

    /// <summary>
    /// What <paramref name="url"/>'s host is known to be without a lookup: the kind of an IP
    /// literal (however spelled: <c>2130706433</c>, <c>0x7f.0.0.1</c>, <c>[::ffff:127.0.0.1]</c>;
    /// <see cref="Uri"/> turns the decimal, octal and hex IPv4 forms into dotted quads)
    /// or loopback for <c>localhost</c> names; null for other names, which only the lookup at
    /// send time can judge. The ingress refuses what this calls internal, so a URL it accepts
    /// fails the guard only if its name resolves to an internal address.
    /// </summary>
    public static AddressKind? KindWithoutLookup(Uri url)
    {
        var normalized = HostOf(url);
        if (TryParseAddress(normalized, out var address))
        {
            return DestinationAddresses.Classify(address);
        }
        return IsLocalhostName(normalized) ? AddressKind.Loopback : null;
    }

    /// <summary>An IP literal, also with an IPv6 zone the machine does not have (<c>fe80::1%eth9</c>): the zone does not change the kind.</summary>
    private static bool TryParseAddress(string host, [NotNullWhen(true)] out IPAddress? address)
    {
        if (IPAddress.TryParse(host, out address))
        {
            return true;
        }
        var zone = host.IndexOf('%', StringComparison.Ordinal);
        return zone > 0 && host.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(host[..zone], out address);
    }

    private static bool IsLocalhostName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    private Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        // RFC 6761: "localhost" and every name under it are the loopback interface, whatever a
        // resolver says; the answer is fixed here so no resolver can say otherwise.
        if (IsLocalhostName(host))
        {
            return Task.FromResult<IPAddress[]>([IPAddress.Loopback, IPAddress.IPv6Loopback]);
        }
        return _resolve(host, cancellationToken);
    }

    /// <summary>
    /// The host the HTTP handler will connect to for <paramref name="url"/>, normalized: its
    /// IdnHost (the ASCII form the handler resolves), brackets and IPv6 zone escapes undone.
    /// </summary>
    public static string HostOf(Uri url) =>
        NormalizeHost(url.HostNameType == UriHostNameType.IPv6 ? $"[{url.IdnHost}]" : url.IdnHost);

    /// <summary>
    /// The host as the handler gives it (<c>[::1]</c>, <c>[fe80::1%25eth0]</c>, <c>example.com.</c>)
    /// in the form addresses are parsed and allow-list entries compared in.
    /// </summary>
    public static string NormalizeHost(string host)
    {
        var h = host.Trim();
        if (h.StartsWith('[') && h.EndsWith(']'))
        {
            h = Uri.UnescapeDataString(h[1..^1]);
        }
        return h.TrimEnd('.').ToLowerInvariant();
    }
}
