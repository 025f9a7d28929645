using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// Checks <c>Sandbox:Receipts</c> and the magic-recipient tables at start, naming the setting at
/// fault, so a bad signing key stops the process instead of producing receipts nobody can verify.
/// </summary>
public sealed class ReceiptOptionsValidation : IValidateOptions<SandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        var receipts = options.Receipts;
        var problems = new List<string>();
        if (receipts.Delay < TimeSpan.Zero)
        {
            problems.Add("Sandbox:Receipts:Delay must not be negative.");
        }
        if (receipts.RetryDelays.Any(d => d < TimeSpan.Zero))
        {
            problems.Add("Sandbox:Receipts:RetryDelays must not be negative.");
        }
        if (receipts.Timeout <= TimeSpan.Zero)
        {
            problems.Add("Sandbox:Receipts:Timeout must be positive.");
        }
        if (receipts.QueueCapacity < 1 || receipts.MaxConcurrentMessages < 1)
        {
            problems.Add("Sandbox:Receipts:QueueCapacity and MaxConcurrentMessages must be at least 1.");
        }
        if (!IsHttpUrl(receipts.SendGrid.Url))
        {
            problems.Add("Sandbox:Receipts:SendGrid:Url must be an absolute http or https URL.");
        }
        if (!IsHttpUrl(receipts.WhatsApp.Url))
        {
            problems.Add("Sandbox:Receipts:WhatsApp:Url must be an absolute http or https URL.");
        }
        if (receipts.SendGrid.SigningKey is { Length: > 0 } key && SendGridSigningKey.Problem(key) is { } keyProblem)
        {
            problems.Add($"Sandbox:Receipts:SendGrid:SigningKey must be the base64 PKCS#8 DER of an EC P-256 private key ({keyProblem}).");
        }
        if (options.SendGrid.ReceiptOutcomes.Keys.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add("Sandbox:SendGrid:ReceiptOutcomes keys must be non-empty local-part prefixes.");
        }
        if (options.Twilio.ReceiptErrors.Any(e => !IsDigits(e.Key) || e.Value <= 0))
        {
            problems.Add("Sandbox:Twilio:ReceiptErrors maps a number's digits to a positive error code.");
        }
        if (options.WhatsApp.ReceiptErrors.Any(e => !IsDigits(e.Key) || e.Value <= 0))
        {
            problems.Add("Sandbox:WhatsApp:ReceiptErrors maps a number's digits to a positive error code.");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsDigits(string value) => value.Length > 0 && value.All(char.IsAsciiDigit);
}
