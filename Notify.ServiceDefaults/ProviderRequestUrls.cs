using System.Diagnostics;

namespace Notify.ServiceDefaults;

/// <summary>
/// Keeps recipients out of the HTTP client spans of provider calls. Some providers put the
/// recipient in the request path (APNs: <c>/3/device/{token}</c>; a webhook's URL is the
/// recipient), and the HTTP client records the whole URL. A request made inside the delivery
/// engine's <c>send {provider}</c> span keeps only its origin, as <c>RecipientMask.MaskUrl</c>
/// shows a URL: <c>https://api.push.apple.com/***</c>.
/// </summary>
internal static class ProviderRequestUrls
{
    private const string UrlFull = "url.full";

    public static void Mask(Activity activity)
    {
        if (activity.Parent is { Kind: ActivityKind.Client } parent
            && parent.Source.Name == NotifyTelemetry.Name
            && activity.GetTagItem(UrlFull) is string url
            && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            activity.SetTag(UrlFull, $"{uri.Scheme}://{uri.Authority}/***");
        }
    }
}
