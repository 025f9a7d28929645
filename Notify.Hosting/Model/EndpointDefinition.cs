namespace Notify.Hosting.Model;

/// <summary>
/// A named Kestrel endpoint. Plaintext gRPC needs its own HTTP/2-only port (no ALPN without
/// TLS), so the ingress has <c>http</c> (Http1: health, metrics) and <c>grpc</c> (Http2).
/// </summary>
public sealed record EndpointDefinition(string Name, string Protocols);
