using System.Security.Cryptography;
using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.WhatsApp;

/// <summary>Meta Graph API errors: <c>{"error":{"message","type","code","error_data","fbtrace_id"}}</c>; clients key on <c>code</c>.</summary>
public sealed class WhatsAppErrors : IProviderErrors
{
    // The errors magic recipients and the template registry produce: HTTP status, title, details.
    private static readonly Dictionary<int, (int Status, string Title, string Details)> Known = new()
    {
        [130429] = (429, "Rate limit hit", "Cloud API message throughput has been reached."),
        [131026] = (400, "Message undeliverable", "Message failed to send because the recipient cannot receive it."),
        [131047] = (400, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
        [131048] = (400, "Spam rate limit hit", "Message failed to send because there are restrictions on how many messages can be sent from this phone number."),
        [131049] = (400, "This message was not delivered to maintain healthy ecosystem engagement.",
            "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
        [131050] = (400, "Unable to deliver the message", "The user has stopped marketing messages from this business."),
        [131056] = (400, "(Business Account, Consumer Account) pair rate limit hit",
            "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."),
        [132000] = (400, "Number of parameters does not match the expected number of params", "The number of body parameters differs from the template's."),
        [132001] = (404, "Template name does not exist in the translation", "The template does not exist in this language or is not approved."),
    };

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

    /// <summary>The HTTP status Meta answers <paramref name="code"/> with (400 for codes the sandbox has no entry for).</summary>
    public static int StatusOf(int code) => Known.TryGetValue(code, out var known) ? known.Status : 400;

    /// <summary>The title and details Meta gives <paramref name="code"/>, also in a <c>failed</c> status webhook's <c>errors</c>.</summary>
    public static (string Title, string Details) Describe(int code) =>
        Known.TryGetValue(code, out var known) ? (known.Title, known.Details) : ("Message failed to send", $"Error {code}.");

    /// <summary>The error <paramref name="code"/> in Meta's words; throttling carries <c>Retry-After</c>.</summary>
    public static IResult ForCode(int code)
    {
        var status = StatusOf(code);
        var (title, details) = Describe(code);
        var result = Body(status, code, $"(#{code}) {title}", details);
        return status == 429 ? result.WithRetryAfter(1) : result;
    }

    public static IResult Unauthorized() => Body(401, 190, "Invalid OAuth access token - Cannot parse access token");

    public static IResult InvalidParameter(string message) => Body(400, 100, $"(#100) {message}");

    public IResult Throttled(int retryAfterSeconds) =>
        Body(429, 130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.").WithRetryAfter(retryAfterSeconds);

    public IResult ServerError() => Body(500, 131000, "(#131000) Something went wrong", "Something went wrong.");

    public IResult Unavailable(int retryAfterSeconds) =>
        Body(503, 2, "(#2) Service temporarily unavailable", "Service temporarily unavailable.").WithRetryAfter(retryAfterSeconds);
}
