using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.SendGrid;

/// <summary>SendGrid's error body: <c>{"errors":[{"message","field","help"}]}</c>.</summary>
public sealed class SendGridErrors(TimeProvider time) : IProviderErrors
{
    public string Provider => ProviderNames.SendGrid;

    public static IResult Body(int status, params SendGridError[] errors) =>
        Results.Json(new { errors = errors.Select(e => new { message = e.Message, field = e.Field, help = (string?)null }) }, statusCode: status);

    public static IResult Unauthorized() => Body(401, new SendGridError("authorization required", null));

    public IResult Throttled(int retryAfterSeconds)
    {
        var reset = time.GetUtcNow().AddSeconds(retryAfterSeconds).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Body(429, new SendGridError("too many requests", null))
            .WithRetryAfter(retryAfterSeconds)
            .WithHeader("X-RateLimit-Limit", "600")
            .WithHeader("X-RateLimit-Remaining", "0")
            .WithHeader("X-RateLimit-Reset", reset);
    }

    public IResult ServerError() => Body(500, new SendGridError("internal server error", null));

    public IResult Unavailable(int retryAfterSeconds) => Body(503, new SendGridError("service unavailable", null)).WithRetryAfter(retryAfterSeconds);
}

public sealed record SendGridError(string Message, string? Field);
