using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Notify.ServiceDefaults;

/// <summary>
/// Keeps route values out of server spans. A request path can be a recipient or a secret (the
/// provider sandbox's APNs route is <c>/3/device/{deviceToken}</c>, its webhook receiver
/// <c>/webhooks/{endpoint}</c>, and an admin route may name a tenant's data), and the
/// instrumentation records the whole path as <c>url.path</c>. For a route with parameters the
/// span keeps the route's template instead, as <c>http.route</c> already says it; queries are
/// redacted by the instrumentation itself.
/// </summary>
internal static class ServerRequestPaths
{
    private const string UrlPath = "url.path";

    public static void UseRouteTemplate(Activity activity, HttpContext context)
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern: { Parameters.Count: > 0, RawText: { } template } })
        {
            activity.SetTag(UrlPath, template.StartsWith('/') ? template : "/" + template);
        }
    }
}
