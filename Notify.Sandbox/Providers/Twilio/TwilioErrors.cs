using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Twilio;

/// <summary>Twilio's REST error body: <c>{"code","message","more_info","status"}</c>.</summary>
public sealed class TwilioErrors : IProviderErrors
{
    public string Provider => ProviderNames.Twilio;

    public static IResult Body(int status, int code, string message) =>
        Results.Json(new { code, message, more_info = $"https://www.twilio.com/docs/errors/{code}", status }, statusCode: status);

    public static IResult Unauthorized() =>
        Body(401, 20003, "Authenticate").WithHeader("WWW-Authenticate", "Basic realm=\"Twilio API\"");

    public IResult Throttled(int retryAfterSeconds) => Body(429, 20429, "Too Many Requests").WithRetryAfter(retryAfterSeconds);

    public IResult ServerError() => Body(500, 20500, "An internal server error has occurred");

    public IResult Unavailable(int retryAfterSeconds) => Body(503, 20503, "Service Unavailable").WithRetryAfter(retryAfterSeconds);
}
