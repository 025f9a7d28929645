using System.Security.Cryptography;
using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.WhatsApp;

/// <summary>Meta Graph API errors: <c>{"error":{"message","type","code","error_data","fbtrace_id"}}</c>; clients key on <c>code</c>.</summary>
public sealed class WhatsAppErrors : IProviderErrors
{
    public string Provider => ProviderNames.WhatsApp;

    public static IResult Body(int status, int code, string message, string? details = null, string type = "OAuthException") =>
        Results.Json(new
        {
            error = new
            {
                message,
                type,
                code,
                error_data = new { messaging_product = "whatsapp", details = details ?? message },
                fbtrace_id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)),
            },
        }, statusCode: status);

    public static IResult Unauthorized() => Body(401, 190, "Invalid OAuth access token - Cannot parse access token");

    public static IResult InvalidParameter(string message) => Body(400, 100, $"(#100) {message}");

    public IResult Throttled(int retryAfterSeconds) =>
        Body(429, 130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.").WithRetryAfter(retryAfterSeconds);

    public IResult ServerError() => Body(500, 131000, "(#131000) Something went wrong", "Something went wrong.");

    public IResult Unavailable(int retryAfterSeconds) =>
        Body(503, 2, "(#2) Service temporarily unavailable", "Service temporarily unavailable.").WithRetryAfter(retryAfterSeconds);
}
