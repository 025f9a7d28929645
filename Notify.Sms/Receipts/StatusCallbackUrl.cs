using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Notify.Receipts;
using Notify.ServiceDefaults.Management;
using Notify.Sms.Twilio;

namespace Notify.Sms.Receipts;

/// <summary>
/// The <c>StatusCallback</c> sent with each message: Notify's receipt endpoint with the delivery
/// id in the query (<c>…/webhooks/twilio/status?delivery_id=…</c>). Twilio signs the URL it
/// calls, query included, so the delivery id in it is as trustworthy as the rest of the callback,
/// and applying the receipt is a primary-key lookup.
/// </summary>
/// <remarks>
/// The base is, in order: <c>Notify:Sms:Twilio:StatusCallback</c>; <c>Notify:Receipts:PublicBaseUrl</c>
/// + <see cref="Path"/>; in Development only, the address this process listens on (the sandbox
/// reaches it directly; never its management listener, which serves only health and metrics).
/// Otherwise messages are sent without a callback and no receipts come.
/// </remarks>
public sealed class StatusCallbackUrl(
    IOptions<TwilioOptions> twilio, IOptions<ReceiptOptions> receipts, IServer server, IHostEnvironment environment,
    ManagementEndpoint? management = null)
{
    public const string Path = "/webhooks/twilio/status";
    public const string DeliveryIdParameter = "delivery_id";

    private Uri? _base;

    public Uri? For(Guid deliveryId)
        => Base() is { } callback ? new Uri($"{callback}?{DeliveryIdParameter}={deliveryId}") : null;

    /// <summary>The callback URL without the delivery id, or null when there is none.</summary>
    public Uri? Base()
    {
        if (_base is not null)
        {
            return _base;
        }
        if (twilio.Value.StatusCallback is { } configured)
        {
            return _base = new Uri(configured.GetLeftPart(UriPartial.Path));
        }
        if (receipts.Value.PublicBaseUrl is { } publicBase)
        {
            return _base = new Uri(publicBase.GetLeftPart(UriPartial.Path).TrimEnd('/') + Path);
        }
        if (environment.IsDevelopment()
            && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a =>
                a.StartsWith("http://", StringComparison.Ordinal) && management?.IsManagementAddress(a) != true) is { } listening)
        {
            return _base = new Uri(listening.TrimEnd('/') + Path);
        }
        return null;
    }
}
