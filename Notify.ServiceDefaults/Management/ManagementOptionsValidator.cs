using Microsoft.Extensions.Options;

namespace Notify.ServiceDefaults.Management;

/// <summary>Refuses, at start, management URLs Kestrel could not bind or would bind somewhere unintended.</summary>
internal sealed class ManagementOptionsValidator : IValidateOptions<ManagementOptions>
{
    public ValidateOptionsResult Validate(string? name, ManagementOptions options)
    {
        ManagementUrl.ParseAll(options.Urls ?? "", out var error);
        return error is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
    }
}
