using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;

namespace Notify.Push.Apns;

/// <summary>
/// APNs token-based authentication settings (section <c>Notify:Push:Apns</c>). The .p8 key is a
/// secret: from configuration or a file, checked at start, never logged.
/// </summary>
public sealed class ApnsOptions : IValidatableObject
{
    public const string SectionName = "Notify:Push:Apns";

    /// <summary>
    /// https://api.push.apple.com (production) or https://api.sandbox.push.apple.com (development
    /// builds of the app); the provider sandbox's HTTP/2 endpoint in Notify's development.
    /// </summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.push.apple.com");

    /// <summary>The 10-character Team ID: the provider token's <c>iss</c>.</summary>
    [Required, RegularExpression("^[A-Z0-9]{10}$", ErrorMessage = "TeamId must be Apple's 10-character Team ID.")]
    public string TeamId { get; set; } = "";

    /// <summary>The 10-character Key ID of the .p8 key: the provider token's <c>kid</c>.</summary>
    [Required, RegularExpression("^[A-Z0-9]{10}$", ErrorMessage = "KeyId must be Apple's 10-character Key ID.")]
    public string KeyId { get; set; } = "";

    /// <summary>The .p8 key's PEM text (PKCS#8, EC P-256); or set <see cref="PrivateKeyPath"/>.</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>Path of the .p8 file (relative paths are from the working directory).</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>The app's bundle id, sent as <c>apns-topic</c>.</summary>
    [Required]
    public string Topic { get; set; } = "";

    /// <summary><c>apns-priority</c>: 10 delivers at once, 5 when power allows, 1 lowest.</summary>
    public int Priority { get; set; } = 10;

    /// <summary>The key this configuration names, or why there is none. The caller disposes it.</summary>
    public ECDsa? LoadSigningKey(out string? error)
    {
        string pem;
        if (!string.IsNullOrWhiteSpace(PrivateKeyPem))
        {
            pem = PrivateKeyPem;
        }
        else
        {
            try
            {
                pem = File.ReadAllText(PrivateKeyPath!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                error = $"PrivateKeyPath cannot be read ({e.GetType().Name}).";
                return null;
            }
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            var parameters = key.ExportParameters(includePrivateParameters: true);
            if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                key.Dispose();
                error = "The APNs key must be an EC P-256 key (ES256).";
                return null;
            }
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            error = "The APNs key is not an EC private key in PEM form (the .p8 file's text).";
            return null;
        }
        error = null;
        return key;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Priority is not (1 or 5 or 10))
        {
            yield return new ValidationResult("Priority must be 10, 5 or 1.", [nameof(Priority)]);
        }
        if (string.IsNullOrWhiteSpace(PrivateKeyPem) == string.IsNullOrWhiteSpace(PrivateKeyPath))
        {
            yield return new ValidationResult("Set exactly one of PrivateKeyPem and PrivateKeyPath.", [nameof(PrivateKeyPem), nameof(PrivateKeyPath)]);
            yield break;
        }
        using var key = LoadSigningKey(out var error);
        if (key is null)
        {
            yield return new ValidationResult(error, [string.IsNullOrWhiteSpace(PrivateKeyPem) ? nameof(PrivateKeyPath) : nameof(PrivateKeyPem)]);
        }
    }
}
