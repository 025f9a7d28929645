namespace Notify.Push;

/// <summary>Reads <c>Retry-After</c>, which may be delta-seconds or an HTTP date (RFC 9110).</summary>
internal static class RetryAfterHeader
{
    public static TimeSpan? Read(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
