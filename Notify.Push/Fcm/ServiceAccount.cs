using System.Security.Cryptography;
using System.Text.Json;

namespace Notify.Push.Fcm;

/// <summary>
/// The fields of a Google service-account key file that the OAuth flow needs. The private key
/// stays in this object and is never written to a log or an error message.
/// </summary>
public sealed record ServiceAccount(string ProjectId, string ClientEmail, string? PrivateKeyId, string PrivateKeyPem, Uri TokenUri)
{
    public static readonly Uri GoogleTokenUri = new("https://oauth2.googleapis.com/token");

    /// <summary>Reads a service-account JSON document; the error names the problem, never the key.</summary>
    public static ServiceAccount? Parse(string json, out string? error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            error = "The service account is not valid JSON.";
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The service account must be a JSON object.";
                return null;
            }
            if (Text(root, "type") is { } type && type != "service_account")
            {
                error = $"The service account's type is '{type}'; expected 'service_account'.";
                return null;
            }
            var projectId = Text(root, "project_id");
            var clientEmail = Text(root, "client_email");
            var privateKey = Text(root, "private_key");
            var missing = new[] { ("project_id", projectId), ("client_email", clientEmail), ("private_key", privateKey) }
                .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1).ToList();
            if (missing.Count > 0)
            {
                error = "The service account lacks " + string.Join(", ", missing) + ".";
                return null;
            }
            var tokenUri = GoogleTokenUri;
            if (Text(root, "token_uri") is { Length: > 0 } uri && !Uri.TryCreate(uri, UriKind.Absolute, out tokenUri))
            {
                error = "The service account's token_uri is not an absolute URL.";
                return null;
            }
            if (!IsRsaPrivateKey(privateKey!))
            {
                error = "The service account's private_key is not an RSA private key in PEM form.";
                return null;
            }
            error = null;
            return new ServiceAccount(projectId!, clientEmail!, Text(root, "private_key_id"), privateKey!, tokenUri!);
        }
    }

    public RSA CreateSigningKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(PrivateKeyPem);
        return rsa;
    }

    private static bool IsRsaPrivateKey(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            // A public key imports too, but cannot sign.
            rsa.ExportParameters(includePrivateParameters: true);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // The record's generated ToString would print the key.
    public override string ToString() => $"ServiceAccount {{ ProjectId = {ProjectId}, ClientEmail = {ClientEmail} }}";
}
