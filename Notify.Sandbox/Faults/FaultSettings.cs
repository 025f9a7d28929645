namespace Notify.Sandbox.Faults;

/// <summary>
/// Fault injection for one provider. Percentages share one cycle of 100 requests, so
/// <c>ThrottlePercent + ServerErrorPercent + TimeoutPercent</c> should not exceed 100.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>Share of requests answered 429 with <c>Retry-After: RetryAfterSeconds</c>.</summary>
    public int ThrottlePercent { get; init; }

    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>Share of requests answered 500 in the provider's error shape.</summary>
    public int ServerErrorPercent { get; init; }

    /// <summary>
    /// Share of requests that hang <c>TimeoutSeconds</c> and are then accepted and recorded: the
    /// ambiguous "the provider sent it but the caller timed out" case that produces duplicates.
    /// </summary>
    public int TimeoutPercent { get; init; }

    public double TimeoutSeconds { get; init; } = 30;

    /// <summary>
    /// Share of messages whose <em>first</em> arrival at this provider is answered 429 with
    /// <c>Retry-After: RetryAfterSeconds</c>; their later arrivals go through. The messages are
    /// chosen by delivery id (a hash of <c>Sandbox:Seed</c> and the id, mod 100), so the same
    /// ones are picked whatever order or replica they come from: the crash drill's "10 % are
    /// rate limited at first". SendGrid and WhatsApp only (<see cref="FirstArrivalProviders"/>).
    /// </summary>
    public int ThrottleFirstArrivalPercent { get; init; }

    /// <summary>Providers that read the delivery id before deciding faults (the request body carries it).</summary>
    public static readonly IReadOnlyList<string> FirstArrivalProviders = [ProviderNames.SendGrid, ProviderNames.WhatsApp];

    /// <summary>Recipients matching this regular expression are rejected permanently (e.g. Twilio 21211, FCM UNREGISTERED).</summary>
    public string? InvalidRecipientPattern { get; init; }

    /// <summary>Until this instant every request answers 503 (the provider is down).</summary>
    public DateTimeOffset? OutageUntil { get; init; }

    public IEnumerable<string> Validate(string? provider = null)
    {
        foreach (var (name, value) in new[] { ("throttlePercent", ThrottlePercent), ("serverErrorPercent", ServerErrorPercent), ("timeoutPercent", TimeoutPercent) })
        {
            if (value is < 0 or > 100)
            {
                yield return $"{name} must be between 0 and 100.";
            }
        }
        if (ThrottlePercent + ServerErrorPercent + TimeoutPercent > 100)
        {
            yield return "throttlePercent + serverErrorPercent + timeoutPercent must not exceed 100.";
        }
        if (ThrottleFirstArrivalPercent is < 0 or > 100)
        {
            yield return "throttleFirstArrivalPercent must be between 0 and 100.";
        }
        if (ThrottleFirstArrivalPercent > 0 && provider is not null && !FirstArrivalProviders.Contains(provider))
        {
            yield return $"throttleFirstArrivalPercent is supported for {string.Join(" and ", FirstArrivalProviders)} only, not {provider}.";
        }
        if (RetryAfterSeconds < 0)
        {
            yield return "retryAfterSeconds must not be negative.";
        }
        if (TimeoutSeconds is < 0 or > 600)
        {
            yield return "timeoutSeconds must be between 0 and 600.";
        }
        if (InvalidRecipientPattern is not null)
        {
            string? error = null;
            try
            {
                _ = new System.Text.RegularExpressions.Regex(InvalidRecipientPattern);
            }
            catch (ArgumentException e)
            {
                error = $"invalidRecipientPattern is not a valid regular expression: {e.Message}";
            }
            if (error is not null)
            {
                yield return error;
            }
        }
    }
}
