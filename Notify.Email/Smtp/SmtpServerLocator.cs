using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Notify.Email.Smtp;

/// <summary>
/// Where to connect: <see cref="SmtpOptions.Url"/> through service discovery, the way HTTP
/// clients resolve <c>http://sandbox</c>. <c>smtp://sandbox</c> finds the sandbox's
/// <c>smtp</c> endpoint (<c>services__sandbox__smtp__0</c>); a real host name resolves to itself.
/// </summary>
public sealed class SmtpServerLocator(ServiceEndpointResolver resolver, IOptions<SmtpOptions> options)
{
    public async Task<(string Host, int Port)> LocateAsync(CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        var source = await resolver.GetEndpointsAsync(smtp.Url.GetLeftPart(UriPartial.Authority), cancellationToken);
        return source.Endpoints.FirstOrDefault()?.EndPoint switch
        {
            UriEndPoint { Uri: var uri } => (uri.Host, uri.Port > 0 ? uri.Port : smtp.Port),
            DnsEndPoint dns => (dns.Host, dns.Port > 0 ? dns.Port : smtp.Port),
            IPEndPoint ip => (ip.Address.ToString(), ip.Port > 0 ? ip.Port : smtp.Port),
            _ => (smtp.Url.Host, smtp.Port),
        };
    }
}
