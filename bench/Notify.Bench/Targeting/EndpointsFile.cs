using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notify.Bench.Targeting;

/// <summary>
/// The part of <c>&lt;repo&gt;/.notify/endpoints.json</c> the bench reads. The running AppHost
/// writes that file with the ports it picked, so the tool needs no configuration.
/// </summary>
internal sealed record EndpointsFile(
    [property: JsonPropertyName("developmentApiKey")] string? DevelopmentApiKey,
    [property: JsonPropertyName("resources")] Dictionary<string, EndpointsFile.Resource>? Resources)
{
    public const string RelativePath = ".notify/endpoints.json";

    public sealed record Resource(
        [property: JsonPropertyName("endpoints")] Dictionary<string, string>? Endpoints);

    public string? IngressGrpc =>
        Resources?.GetValueOrDefault("ingress")?.Endpoints?.GetValueOrDefault("grpc");

    public static EndpointsFile Read(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, EndpointsJsonContext.Default.EndpointsFile)
            ?? throw new InvalidDataException($"{path} is empty");
    }

    /// <summary>The nearest folder holding Notify.sln, walking up from <paramref name="start"/>.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Notify.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

[JsonSerializable(typeof(EndpointsFile))]
internal sealed partial class EndpointsJsonContext : JsonSerializerContext;
