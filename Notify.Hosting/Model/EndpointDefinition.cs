namespace Notify.Hosting.Model;

/// <summary>
/// A named endpoint of a project. HTTP endpoints are Kestrel's: plaintext gRPC needs its own
/// HTTP/2-only port (no ALPN without TLS), so the ingress has <c>http</c> (Http1: health,
/// metrics) and <c>grpc</c> (Http2). Any other <see cref="Scheme"/> is a socket the project
/// opens itself, like the sandbox's SMTP listener (<c>smtp</c>): Kestrel is not told about it,
/// the project learns its port from <see cref="PortEnvironmentVariable"/> (Aspire's
/// <c>WithEndpoint(name: …, scheme: …, env: …)</c>).
/// </summary>
public sealed record EndpointDefinition(string Name, string Protocols, string Scheme = "http", string? PortEnvironmentVariable = null)
{
    public bool IsHttp => Scheme is "http" or "https";
}
