using Notify.Delivery.Providers;

namespace Notify.WhatsApp.CloudApi;

/// <summary>
/// Sorts the Cloud API's answers as providers.md §0 and §3 say: by <c>error.code</c>, the
/// HTTP status only for codes not listed (Meta: key on the code, not the status).
/// </summary>
public static class WhatsAppAnswers
{
    /// <summary>Where an opted-out recipient goes: onto the tenant's suppression list, so later sends are SKIPPED.</summary>
    public const string MarketingOptOut = "marketing_opt_out";

    // The whole phone number (or app / business account) must slow down: pause every send
    // under the number's rate-limit key, on every replica, for Retry-After or this long.
    private static readonly Dictionary<int, TimeSpan> NumberThrottles = new()
    {
        [130429] = TimeSpan.FromSeconds(1),   // Cloud API throughput reached (per second)
        [131057] = TimeSpan.FromSeconds(60),  // number in maintenance (throughput upgrade, about a minute)
        [80007] = TimeSpan.FromSeconds(60),   // WhatsApp Business Account rate limit
        [4] = TimeSpan.FromSeconds(60),       // app-level "API too many calls"
    };

    private static readonly HashSet<int> Transient = [1, 2, 131000, 131016];

    private static readonly HashSet<int> Permanent =
    [
        131026,                 // undeliverable: not on WhatsApp, terms not accepted, client too old
        131047,                 // re-engagement: outside the 24 h window, send a template instead
        131048, 131049,         // spam / ecosystem-engagement limits: retrying soon only makes it worse
        131050,                 // the user stopped marketing messages
        132000, 132001,         // template parameter count mismatch / template missing in that language
        100, 131008, 131009,    // invalid or missing parameter
    ];

    /// <summary>The classified answer; <paramref name="attemptNumber"/> (1 for the first call) sizes the pair-limit back-off.</summary>
    public static ProviderResult Classify(WhatsAppSendResult answer, int attemptNumber)
    {
        var status = answer.HttpStatus;
        if (status is >= 200 and < 300 && answer.MessageId is { Length: > 0 } wamid)
        {
            return ProviderResult.Sent(wamid, status);
        }
        if (answer.Error is not { } error)
        {
            return ByStatus(answer, status.ToString(), $"HTTP {status} without a Graph error object.");
        }

        var code = error.Code.ToString();
        var message = Describe(error);
        if (NumberThrottles.TryGetValue(error.Code, out var pause))
        {
            return Result(ProviderOutcome.Retryable, code, message, status, answer.RetryAfter ?? pause) with { Throttled = true };
        }
        if (error.Code == 131056)
        {
            // Pair rate limit: too many messages to this one user. Only this recipient backs
            // off (4^X s, X = 0, 1, 2…); pausing the whole number would hold up everyone else.
            var backOff = TimeSpan.FromSeconds(Math.Pow(4, Math.Clamp(attemptNumber - 1, 0, 5)));
            return Result(ProviderOutcome.Retryable, code, message, status, answer.RetryAfter ?? backOff);
        }
        if (Transient.Contains(error.Code))
        {
            return Result(ProviderOutcome.Retryable, code, message, status, answer.RetryAfter);
        }
        if (error.Code is 190 or 0 or 10 or (>= 200 and <= 299))
        {
            // Token expired or revoked, or missing permissions: an operator must act.
            return Result(ProviderOutcome.Credentials, code, message, status, answer.RetryAfter);
        }
        if (error.Code == 131050)
        {
            return Result(ProviderOutcome.Permanent, code, message, status, null) with { SuppressReason = MarketingOptOut };
        }
        if (Permanent.Contains(error.Code))
        {
            return Result(ProviderOutcome.Permanent, code, message, status, null);
        }
        return ByStatus(answer, code, message);
    }

    /// <summary>For answers without a code we know: what the HTTP status says.</summary>
    private static ProviderResult ByStatus(WhatsAppSendResult answer, string code, string message)
    {
        var status = answer.HttpStatus;
        return status switch
        {
            429 => Result(ProviderOutcome.Retryable, code, message, status, answer.RetryAfter ?? TimeSpan.FromSeconds(1)) with { Throttled = true },
            401 or 403 => Result(ProviderOutcome.Credentials, code, message, status, answer.RetryAfter),
            >= 500 => Result(ProviderOutcome.Retryable, code, message, status, answer.RetryAfter),
            // A 2xx without a wamid: nothing to correlate receipts with. Retrying risks a
            // duplicate, but marking it sent could hide a message that never left.
            >= 200 and < 300 => Result(ProviderOutcome.Retryable, "MALFORMED_RESPONSE", "The Cloud API answered " + status + " without messages[0].id.", status, null),
            >= 400 => Result(ProviderOutcome.Permanent, code, message, status, null),
            _ => Result(ProviderOutcome.Retryable, code, message, status, answer.RetryAfter),
        };
    }

    private static ProviderResult Result(ProviderOutcome outcome, string code, string message, int status, TimeSpan? retryAfter)
        => new(outcome, ErrorCode: code, ErrorMessage: message, HttpStatus: status, RetryAfter: retryAfter is { } wait && wait > TimeSpan.Zero ? wait : null);

    /// <summary>
    /// The message for the delivery's last error: Meta's message and details, the subcode
    /// and the trace id support asks for. Meta's texts describe the error, not the message
    /// sent, so nothing here is the body or the number.
    /// </summary>
    private static string Describe(GraphError error)
    {
        var text = error.Message ?? $"Graph error {error.Code}";
        if (error.Details is { Length: > 0 } details && !text.Contains(details, StringComparison.Ordinal))
        {
            text += ": " + details;
        }
        if (error.Subcode is { } subcode)
        {
            text += $" (subcode {subcode})";
        }
        if (error.FbTraceId is { Length: > 0 } trace)
        {
            text += $" [fbtrace_id {trace}]";
        }
        return text.Length <= 500 ? text : text[..500];
    }
}
