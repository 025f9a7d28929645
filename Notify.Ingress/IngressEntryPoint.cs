namespace Notify.Ingress;

/// <summary>
/// Names the ingress's assembly for tests that host it in-process
/// (<c>WebApplicationFactory&lt;IngressEntryPoint&gt;</c>): every Web project's top-level
/// <c>Program</c> is public in .NET 10, so <c>Program</c> alone is ambiguous once a test
/// project references two services.
/// </summary>
public sealed class IngressEntryPoint;
