using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Webhooks;

/// <summary>A typical receiver's answers: small JSON bodies, <c>Retry-After</c> on 429 and 503.</summary>
public sealed class WebhookErrors : IProviderErrors
{
    public string Provider => ProviderNames.Webhook;

    public static IResult Body(int status, string error) => Results.Json(new { error }, statusCode: status);

    public static IResult Unauthorized(string reason) => Body(401, "invalid signature: " + reason);

    public static IResult Gone() => Body(410, "this endpoint no longer exists");

    public IResult Throttled(int retryAfterSeconds) => Body(429, "too many requests").WithRetryAfter(retryAfterSeconds);

    public IResult ServerError() => Body(500, "internal error");

    public IResult Unavailable(int retryAfterSeconds) => Body(503, "service unavailable").WithRetryAfter(retryAfterSeconds);
}
