using System.Net.Http.Headers;

namespace Notify.Delivery.Providers;

/// <summary>Reads a provider's <c>Retry-After</c>, which may be delta-seconds or an HTTP date (RFC 9110).</summary>
public static class RetryAfterHeader
{
    /// <summary>The wait the provider asked for (never negative), or null when it named none.</summary>
    public static TimeSpan? Read(HttpResponseHeaders headers, DateTimeOffset now) => headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };

    /// <inheritdoc cref="Read(HttpResponseHeaders, DateTimeOffset)"/>
    public static TimeSpan? Read(HttpResponseMessage response, DateTimeOffset now) => Read(response.Headers, now);
}
