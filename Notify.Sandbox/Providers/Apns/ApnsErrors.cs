using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Apns;

/// <summary>
/// APNs errors: a status and a JSON body <c>{"reason": …}</c> (with <c>timestamp</c> in epoch
/// milliseconds for 410). APNs names no <c>Retry-After</c>, so throttles and outages carry none.
/// </summary>
public sealed class ApnsErrors : IProviderErrors
{
    public string Provider => ProviderNames.Apns;

    public static IResult Reason(int status, string reason) => Results.Json(new { reason }, statusCode: status);

    public static IResult Unregistered(DateTimeOffset since) =>
        Results.Json(new { reason = "Unregistered", timestamp = since.ToUnixTimeMilliseconds() }, statusCode: 410);

    public IResult Throttled(int retryAfterSeconds) => Reason(429, "TooManyRequests");

    public IResult ServerError() => Reason(500, "InternalServerError");

    public IResult Unavailable(int retryAfterSeconds) => Reason(503, "ServiceUnavailable");
}
