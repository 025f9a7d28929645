using System.Text.Json;

namespace Notify.Cli.Connection;

/// <summary>
/// Where a Notify runs and what notifyctl authenticates with. Found in this order, each field
/// separately: a command-line option, an environment variable, the local AppHost's
/// <c>.notify/endpoints.json</c> (searched from the current directory upwards, or named by
/// <c>--endpoints</c> / <c>NOTIFY_ENDPOINTS</c>).
/// </summary>
/// <param name="Ingress">The ingress's gRPC address (notify.v1 and notify.admin.v1).</param>
/// <param name="AdminToken">An admin JWT (<c>NOTIFY_ADMIN_TOKEN</c>); a local AppHost writes a development one.</param>
/// <param name="ApiKey">A tenant API key for the tenant API (<c>NOTIFY_API_KEY</c>); a local AppHost's is the dev tenant's.</param>
/// <param name="ReplayHmacSecret">Signs replay bodies (<c>NOTIFY_REPLAY_HMAC_SECRET</c>).</param>
/// <param name="File">The endpoints file used, if any.</param>
/// <param name="Document">That file's content, for commands that need more (the drill: pids, the sandbox, the database).</param>
public sealed record NotifyEndpoints(
    Uri? Ingress,
    string? AdminToken,
    string? ApiKey,
    string? ReplayHmacSecret,
    string? File,
    JsonElement? Document)
{
    public const string FileEnvironmentVariable = "NOTIFY_ENDPOINTS";

    /// <summary>Combines the sources above; missing values stay null (a command needing one says which).</summary>
    public static NotifyEndpoints Resolve(GlobalSettings settings)
    {
        var file = settings.EndpointsFile ?? Environment.GetEnvironmentVariable(FileEnvironmentVariable) ?? FindUpwards(Directory.GetCurrentDirectory());
        JsonElement? document = null;
        if (file is not null)
        {
            if (!System.IO.File.Exists(file))
            {
                throw new CliException(ExitCodes.Usage, $"The endpoints file '{file}' does not exist.");
            }
            try
            {
                using var json = JsonDocument.Parse(System.IO.File.ReadAllText(file));
                document = json.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new CliException(ExitCodes.Usage, $"The endpoints file '{file}' is not valid JSON ({e.Message}).");
            }
        }

        return new NotifyEndpoints(
            Ingress: settings.Ingress ?? Uri(Environment.GetEnvironmentVariable("NOTIFY_INGRESS")) ?? Uri(document?.Path("resources", "ingress", "endpoints", "grpc")),
            AdminToken: settings.Token ?? Environment.GetEnvironmentVariable("NOTIFY_ADMIN_TOKEN") ?? document?.Path("admin", "token"),
            ApiKey: settings.ApiKey ?? Environment.GetEnvironmentVariable("NOTIFY_API_KEY") ?? document?.Path("developmentApiKey"),
            ReplayHmacSecret: Environment.GetEnvironmentVariable("NOTIFY_REPLAY_HMAC_SECRET") ?? document?.Path("admin", "replayHmacSecret"),
            File: file,
            Document: document);
    }

    /// <summary>The ingress address, or a usage error saying how to give one.</summary>
    public Uri RequireIngress() => Ingress ?? throw new CliException(ExitCodes.Usage,
        "No Notify found: start one with scripts/run.sh (notifyctl then finds .notify/endpoints.json), or pass --ingress URL.");

    private static string? FindUpwards(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            var candidate = Path.Combine(current.FullName, ".notify", "endpoints.json");
            if (System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static Uri? Uri(string? value) =>
        value is null ? null
        : System.Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri
        : throw new CliException(ExitCodes.Usage, $"'{value}' is not an absolute URL.");
}

internal static class JsonElementPath
{
    /// <summary>The string at a path of property names, or null when any step is missing.</summary>
    public static string? Path(this JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }
}
