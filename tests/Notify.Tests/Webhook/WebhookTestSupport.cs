using System.Diagnostics.Metrics;
using System.Net;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Notify.Delivery.Egress;
using Notify.Delivery.Providers;
using Notify.Grpc.V1;
using Notify.Outbox;
using Notify.Outbox.Claiming;
using Notify.Webhook.Sending;
using Notify.Webhook.Signing;

namespace Notify.Tests.Webhook;

/// <summary>Builds the real webhook provider (real HTTP client, guard and signer) and deliveries for it.</summary>
internal static class WebhookTestSupport
{
    public static readonly string Secret = SpecVerifier.NewSecret();

    public static WebhookProvider Provider(IEnumerable<string>? allowedHosts = null,
        Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null, WebhookOptions? options = null)
    {
        options ??= new WebhookOptions { SigningSecrets = [Secret] };
        var guard = new EgressGuard(allowedHosts ?? [], resolve);
        return new WebhookProvider(new WebhookHttpClient(guard, TimeSpan.FromSeconds(5)),
            new WebhookSigner([.. options.SigningSecrets.Select(WebhookSecret.Parse)]),
            Options.Create(options), TimeProvider.System, NullLogger<WebhookProvider>.Instance);
    }

    public static ClaimedDelivery Delivery(string url, string? traceparent = null)
    {
        var notificationId = UuidV7.NewNotificationId();
        return new ClaimedDelivery(UuidV7.DeliveryId(notificationId, 0), notificationId, Guid.NewGuid(), ChannelNames.Webhook, url,
            null, 0, 8, 1, DateTime.UtcNow.AddMinutes(1), null, null, null, null, null, null, traceparent);
    }

    public static Content Content(string eventType = "invoice.paid", Struct? payload = null) =>
        new() { Webhook = new WebhookContent { EventType = eventType, Payload = payload } };

    public static Task<ProviderResult> SendAsync(this WebhookProvider provider, string url, string? traceparent = null)
        => provider.SendAsync(Delivery(url, traceparent), Content(), CancellationToken.None);
}

/// <summary>Records <c>notify.egress.refused</c> while alive, by reason.</summary>
internal sealed class RefusalRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<string> _reasons = [];

    public RefusalRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Notify" && instrument.Name == EgressMetrics.RefusedName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    lock (_reasons)
                    {
                        _reasons.Add((string)tag.Value!);
                    }
                }
            }
        });
        _listener.Start();
    }

    public IReadOnlyList<string> Reasons
    {
        get
        {
            lock (_reasons)
            {
                return [.. _reasons];
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// The in-process webhook tests run one at a time: <c>notify.egress.refused</c> is one
/// process-wide counter, and each test asserts exactly what it recorded.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WebhookEgressCollection
{
    public const string Name = "Webhook egress";
}
