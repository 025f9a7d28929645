namespace Notify.Cli.Connection;

/// <summary>The options every command takes (see <see cref="GlobalOptions"/>).</summary>
public sealed record GlobalSettings(string? EndpointsFile, Uri? Ingress, string? Token, string? ApiKey, bool Json);
