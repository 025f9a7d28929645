using System.Net;
using System.Net.Http.Headers;
using Notify.Delivery.Providers;

namespace Notify.Webhook.Sending;

/// <summary>
/// Classifies an endpoint's answer (Standard Webhooks' delivery rules, providers.md §6.1):
/// <list type="bullet">
/// <item>any 2xx is success;</item>
/// <item><c>410 Gone</c> is permanent and disables the endpoint: the engine puts the URL on the
/// tenant's suppression list (reason <c>gone</c>), so later sends to it are SKIPPED;</item>
/// <item><c>webhook-delivery: abort-message</c> on a failure (Svix) is permanent for this message only;</item>
/// <item><c>429</c> is retryable and throttles the endpoint on every replica for its
/// <c>Retry-After</c>, as does a 502/503/504 that carries one;</item>
/// <item>every other answer — 3xx (redirects are not followed), 408, 5xx and the other 4xx —
/// is retryable. Standard Webhooks and Svix retry every non-2xx: a 401, 403 or 404 usually
/// means a receiver mid-deploy or with the wrong secret, which its owner fixes within the
/// retry schedule's ~28 hours; giving up at once would lose the message.</item>
/// </list>
/// The error code is the HTTP status (<c>"410"</c>, <c>"503"</c>).
/// </summary>
public static class WebhookResponses
{
    public const string AbortHeader = "webhook-delivery";
    public const string AbortValue = "abort-message";

    public static ProviderResult Classify(string messageId, HttpStatusCode status, string? reasonPhrase, HttpResponseHeaders headers,
        string? excerpt, DateTimeOffset now, TimeSpan maxRetryAfter)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return ProviderResult.Sent(messageId, code) with { ResponseExcerpt = excerpt };
        }
        var answered = $"The endpoint answered {code}{(string.IsNullOrEmpty(reasonPhrase) ? "" : " " + reasonPhrase)}";
        if (status == HttpStatusCode.Gone)
        {
            return Failure(ProviderOutcome.Permanent, code, answered + ": the endpoint is gone and is disabled for this tenant.", excerpt) with
            {
                SuppressReason = "gone",
            };
        }
        if (headers.TryGetValues(AbortHeader, out var abort) && abort.Any(v => v.Trim().Equals(AbortValue, StringComparison.OrdinalIgnoreCase)))
        {
            return Failure(ProviderOutcome.Permanent, code, answered + " and asked not to retry this message (webhook-delivery: abort-message).", excerpt);
        }
        var retryAfter = RetryAfter(headers.RetryAfter, now, maxRetryAfter);
        if (code is >= 300 and < 400)
        {
            return Failure(ProviderOutcome.Retryable, code, answered + ": redirects are not followed; point the endpoint at the final URL.", excerpt);
        }
        var throttled = status == HttpStatusCode.TooManyRequests
            || (code is 502 or 503 or 504 && retryAfter is not null);
        return Failure(ProviderOutcome.Retryable, code, answered + ".", excerpt) with
        {
            RetryAfter = retryAfter,
            Throttled = throttled,
        };
    }

    /// <summary><c>Retry-After</c> as delta-seconds or an HTTP date, capped; null when absent or already past.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now, TimeSpan max)
    {
        var wait = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => (TimeSpan?)null,
        };
        return wait is { } w && w > TimeSpan.Zero ? (w > max ? max : w) : null;
    }

    private static ProviderResult Failure(ProviderOutcome outcome, int status, string message, string? excerpt) =>
        new(outcome, ErrorCode: status.ToString(System.Globalization.CultureInfo.InvariantCulture), ErrorMessage: message, HttpStatus: status)
        {
            ResponseExcerpt = excerpt,
        };
}
