using Microsoft.Extensions.Options;

namespace Notify.Ingress.Admin;

/// <summary>
/// What data annotations cannot say about <see cref="AdminOptions"/>: each signing key is base64
/// of at least 32 bytes, and a configured admin API has a replay secret of at least 32
/// characters. Messages name the setting, never its value.
/// </summary>
internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public const int MinKeyBytes = 32;
    public const int MinHmacSecretLength = 32;

    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var failures = new List<string>();
        var keys = options.Jwt.SigningKeys;
        for (var i = 0; i < keys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(keys[i]))
            {
                continue;
            }
            var buffer = new byte[keys[i].Length];
            if (!Convert.TryFromBase64String(keys[i].Trim(), buffer, out var length) || length < MinKeyBytes)
            {
                failures.Add($"{AdminOptions.SectionName}:Jwt:SigningKeys:{i} must be base64 of at least {MinKeyBytes} random bytes " +
                             "(e.g. `openssl rand -base64 32`).");
            }
        }
        var secret = options.ReplayHmacSecret;
        if (!string.IsNullOrEmpty(secret) && secret.Length < MinHmacSecretLength)
        {
            failures.Add($"{AdminOptions.SectionName}:ReplayHmacSecret must be at least {MinHmacSecretLength} characters.");
        }
        else if (string.IsNullOrEmpty(secret) && options.Configured)
        {
            failures.Add($"{AdminOptions.SectionName}:ReplayHmacSecret is required once signing keys are configured " +
                         $"(at least {MinHmacSecretLength} characters, e.g. `openssl rand -hex 32`): replays are refused without it.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
