using Notify.Bench.Cli;

namespace Notify.Bench.Targeting;

/// <summary>
/// Picks the address and API key: command line first, then <c>NOTIFY_API_KEY</c> for the key,
/// then the AppHost's endpoints.json found from the current directory (or, failing that,
/// from the tool's own location, which is inside the repository under <c>dotnet run</c>).
/// </summary>
internal static class TargetResolver
{
    public const string ApiKeyVariable = "NOTIFY_API_KEY";

    public static BenchTarget Resolve(BenchOptions options, string currentDirectory, string? environmentKey)
    {
        var key = options.ApiKey ?? NullIfEmpty(environmentKey);
        if (options.Address is not null && key is not null)
        {
            return new BenchTarget(options.Address, key, "command line");
        }

        var root = EndpointsFile.FindRepositoryRoot(currentDirectory)
            ?? EndpointsFile.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new TargetNotFoundException(
                $"no Notify.sln above {currentDirectory}: run from the repository, or pass --address and --api-key");
        var path = Path.Combine(root, EndpointsFile.RelativePath);
        if (!File.Exists(path))
        {
            throw new TargetNotFoundException(
                $"{path} does not exist: start Notify with scripts/run.sh (the AppHost writes it), or pass --address and --api-key");
        }

        var file = EndpointsFile.Read(path);
        var address = options.Address
            ?? (Uri.TryCreate(file.IngressGrpc, UriKind.Absolute, out var grpc)
                ? grpc
                : throw new TargetNotFoundException($"{path} has no resources.ingress.endpoints.grpc URL; pass --address"));
        key ??= NullIfEmpty(file.DevelopmentApiKey)
            ?? throw new TargetNotFoundException($"{path} has no developmentApiKey; pass --api-key or set {ApiKeyVariable}");

        return new BenchTarget(address, key, path);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>The tool could not work out where Notify is; the message says what to do.</summary>
internal sealed class TargetNotFoundException(string message) : Exception(message);
