using Microsoft.Extensions.Options;
using Notify.Delivery.Egress;

namespace Notify.Webhook.Sending;

/// <summary>
/// The one HTTP client that calls tenants' endpoints: every connection goes through the
/// <see cref="EgressGuard"/>, redirects are not followed, no proxy is used.
/// </summary>
/// <remarks>
/// Built here rather than by <c>IHttpClientFactory</c> on purpose: the service defaults give
/// every factory client service discovery (which would turn <c>http://sandbox</c> in a
/// tenant's URL into an internal service) and a standard resilience pipeline (one circuit for
/// all endpoints, timeouts that fight the engine's per-call timeout).
/// </remarks>
public sealed class WebhookHttpClient : IDisposable
{
    public WebhookHttpClient(IOptions<WebhookOptions> options)
        : this(new EgressGuard(options.Value.AllowedHosts), options.Value.ConnectTimeout)
    {
    }

    public WebhookHttpClient(EgressGuard guard, TimeSpan connectTimeout)
    {
        Guard = guard;
        // The engine's per-call timeout cancels the call; HttpClient's own would only compete.
        Http = new HttpClient(guard.CreateHandler(connectTimeout)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public EgressGuard Guard { get; }

    public HttpClient Http { get; }

    public void Dispose() => Http.Dispose();
}
