namespace Notify.Sandbox.Providers;

public static class ProviderResults
{
    /// <summary>The request header a channel worker may send with Notify's delivery id when the provider has no field of its own for it.</summary>
    public const string DeliveryIdHeader = "X-Notify-Delivery-Id";

    public static IResult WithHeader(this IResult result, string name, string value) => new HeaderResult(result, name, value);

    public static IResult WithRetryAfter(this IResult result, int seconds) =>
        result.WithHeader("Retry-After", Math.Max(0, seconds).ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string? DeliveryIdFromHeader(HttpRequest request) =>
        request.Headers.TryGetValue(DeliveryIdHeader, out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;

    /// <summary>
    /// The request's W3C <c>traceparent</c>, recorded with the message so a test (or a developer)
    /// can check the sender's trace reached the provider; null when absent.
    /// </summary>
    public static string? Traceparent(HttpRequest request) =>
        request.Headers.TryGetValue("traceparent", out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString() : null;

    /// <summary>The request body as JSON, or null when it is not JSON (each provider refuses that in its own words).</summary>
    public static async Task<System.Text.Json.JsonElement?> ReadJsonAsync(HttpRequest request)
    {
        try
        {
            using var document = await System.Text.Json.JsonDocument.ParseAsync(request.Body);
            return document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The bearer token of an <c>Authorization</c> header, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private sealed class HeaderResult(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
