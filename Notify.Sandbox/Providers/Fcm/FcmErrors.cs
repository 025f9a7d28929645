using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Fcm;

/// <summary>google.rpc.Status with an FcmError detail: clients read <c>details[].errorCode</c>.</summary>
public sealed class FcmErrors : IProviderErrors
{
    public string Provider => ProviderNames.Fcm;

    public static IResult Body(int status, string canonical, string message, string? fcmErrorCode) =>
        Results.Json(new
        {
            error = new
            {
                code = status,
                message,
                status = canonical,
                details = fcmErrorCode is null
                    ? []
                    : new[] { new Dictionary<string, string> { ["@type"] = "type.googleapis.com/google.firebase.fcm.v1.FcmError", ["errorCode"] = fcmErrorCode } },
            },
        }, statusCode: status);

    public static IResult Unauthenticated() =>
        Body(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.", null);

    public static IResult InvalidArgument(string message) => Body(400, "INVALID_ARGUMENT", message, "INVALID_ARGUMENT");

    public static IResult Unregistered() => Body(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED");

    public IResult Throttled(int retryAfterSeconds) =>
        Body(429, "RESOURCE_EXHAUSTED", "Quota exceeded for the project's message rate.", "QUOTA_EXCEEDED").WithRetryAfter(retryAfterSeconds);

    public IResult ServerError() => Body(500, "INTERNAL", "Internal error encountered.", "INTERNAL");

    public IResult Unavailable(int retryAfterSeconds) =>
        Body(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE").WithRetryAfter(retryAfterSeconds);
}
