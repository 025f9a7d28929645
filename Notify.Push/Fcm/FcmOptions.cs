using System.ComponentModel.DataAnnotations;

namespace Notify.Push.Fcm;

/// <summary>
/// FCM HTTP v1 settings (section <c>Notify:Push:Fcm</c>). The service account is a secret: it
/// comes from configuration or a file, is checked at start, and is never logged.
/// </summary>
public sealed class FcmOptions : IValidatableObject
{
    public const string SectionName = "Notify:Push:Fcm";

    /// <summary>The service-account key file's JSON itself (e.g. from a secret store); or set <see cref="ServiceAccountPath"/>.</summary>
    public string? ServiceAccountJson { get; set; }

    /// <summary>Path of the service-account key file (relative paths are from the working directory).</summary>
    public string? ServiceAccountPath { get; set; }

    /// <summary>https://fcm.googleapis.com in production; the provider sandbox's URL in development.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://fcm.googleapis.com");

    /// <summary>
    /// The OAuth token endpoint, when it is not the service account's <c>token_uri</c> (the
    /// sandbox's <c>/token</c>). It is also the assertion's audience, as Google requires.
    /// </summary>
    public Uri? TokenUri { get; set; }

    /// <summary>The service account this configuration names, or why there is none.</summary>
    public ServiceAccount? LoadServiceAccount(out string? error)
    {
        string json;
        if (!string.IsNullOrWhiteSpace(ServiceAccountJson))
        {
            json = ServiceAccountJson;
        }
        else
        {
            try
            {
                json = File.ReadAllText(ServiceAccountPath!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                error = $"ServiceAccountPath cannot be read ({e.GetType().Name}).";
                return null;
            }
        }
        var account = ServiceAccount.Parse(json, out error);
        return account is not null && TokenUri is { } tokenUri ? account with { TokenUri = tokenUri } : account;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ServiceAccountJson) == string.IsNullOrWhiteSpace(ServiceAccountPath))
        {
            yield return new ValidationResult("Set exactly one of ServiceAccountJson and ServiceAccountPath.",
                [nameof(ServiceAccountJson), nameof(ServiceAccountPath)]);
            yield break;
        }
        if (TokenUri is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult("TokenUri must be an absolute URL.", [nameof(TokenUri)]);
        }
        if (LoadServiceAccount(out var error) is null)
        {
            yield return new ValidationResult(error, [string.IsNullOrWhiteSpace(ServiceAccountJson) ? nameof(ServiceAccountPath) : nameof(ServiceAccountJson)]);
        }
    }
}
