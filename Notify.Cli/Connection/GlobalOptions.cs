using System.CommandLine;

namespace Notify.Cli.Connection;

/// <summary>Options every command accepts (recursive on the root command).</summary>
public static class GlobalOptions
{
    public static readonly Option<FileInfo?> Endpoints = new("--endpoints")
    {
        Description = "A Notify endpoints file (default: .notify/endpoints.json found from the current directory upwards, or NOTIFY_ENDPOINTS).",
        Recursive = true,
        HelpName = "file",
    };

    public static readonly Option<Uri?> Ingress = new("--ingress")
    {
        Description = "The ingress's gRPC address, e.g. http://127.0.0.1:5000 (default: NOTIFY_INGRESS, then the endpoints file).",
        Recursive = true,
        HelpName = "url",
        // System.CommandLine has no converter for Uri: without this, a value fails only when read.
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }
            result.AddError($"--ingress: '{text}' is not an http(s) URL such as http://127.0.0.1:5000.");
            return null;
        },
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "An admin JWT (default: NOTIFY_ADMIN_TOKEN, then the local AppHost's development token).",
        Recursive = true,
        HelpName = "jwt",
    };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "A tenant API key for tenant commands (default: NOTIFY_API_KEY, then the development tenant's).",
        Recursive = true,
        HelpName = "key",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write one JSON document to standard output instead of tables (errors too, on standard error).",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Endpoints);
        root.Options.Add(Ingress);
        root.Options.Add(Token);
        root.Options.Add(ApiKey);
        root.Options.Add(Json);
    }

    public static GlobalSettings Read(ParseResult result) => new(
        result.GetValue(Endpoints)?.FullName,
        result.GetValue(Ingress),
        result.GetValue(Token),
        result.GetValue(ApiKey),
        result.GetValue(Json));
}
