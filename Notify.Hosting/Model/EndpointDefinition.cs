namespace Notify.Hosting.Model;

/// <summary>
/// A named endpoint of a project. HTTP endpoints are Kestrel's: plaintext gRPC needs its own
/// HTTP/2-only port (no ALPN without TLS), so the ingress has <c>http</c> (Http1: health,
/// metrics) and <c>grpc</c> (Http2). Any other <see cref="Scheme"/> is a socket the project
/// opens itself, like the sandbox's SMTP listener (<c>smtp</c>): Kestrel is not told about it,
/// the project learns its port from <see cref="PortEnvironmentVariable"/> (Aspire's
/// <c>WithEndpoint(name: …, scheme: …, env: …)</c>). An HTTP endpoint with a
/// <see cref="UrlEnvironmentVariable"/> is one the project binds itself from that variable (its
/// management listener, say) rather than from <c>Kestrel__Endpoints</c>.
/// </summary>
public sealed record EndpointDefinition(string Name, string Protocols, string Scheme = "http", string? PortEnvironmentVariable = null)
{
    public string? UrlEnvironmentVariable { get; init; }

    public bool IsHttp => Scheme is "http" or "https";
}
