namespace Notify.Sandbox;

/// <summary>
/// Marks the sandbox's assembly for <c>WebApplicationFactory&lt;SandboxEntryPoint&gt;</c>. The test
/// project also hosts the ingress through its global <c>Program</c>, so the sandbox keeps its own
/// <see cref="Program"/> inside this namespace and gives tests this distinct type instead.
/// </summary>
public sealed class SandboxEntryPoint;
