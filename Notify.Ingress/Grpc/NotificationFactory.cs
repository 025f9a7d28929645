using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Notify.Grpc.V1;
using Notify.Ingress.Options;
using Notify.Ingress.Templates;
using Notify.Ingress.Validation;
using Notify.Outbox;
using Notify.Outbox.Writing;

namespace Notify.Ingress.Grpc;

/// <summary>Turns a validated request into the rows the outbox writes.</summary>
internal sealed class NotificationFactory(IOptions<IngressOptions> options)
{
    private readonly Dictionary<string, int> _maxAttempts = new(options.Value.MaxAttempts, StringComparer.OrdinalIgnoreCase);

    public NewNotification Create(Guid tenantId, ValidatedSend send, IReadOnlyDictionary<string, ResolvedTemplate>? templates)
    {
        var request = send.Request;
        var id = UuidV7.NewNotificationId();
        var deliveries = new NewDelivery[send.Targets.Count];
        for (var i = 0; i < deliveries.Length; i++)
        {
            var target = send.Targets[i];
            var template = templates?.GetValueOrDefault(target.ChannelName);
            deliveries[i] = new NewDelivery(UuidV7.DeliveryId(id, i), target.ChannelName, target.Recipient, target.Platform, template?.Version,
                _maxAttempts.GetValueOrDefault(target.ChannelName, 4), template?.Locale);
        }

        var isTemplate = request.BodyCase == SendRequest.BodyOneofCase.Template;
        return new NewNotification(
            Id: id,
            TenantId: tenantId,
            IdempotencyKey: request.IdempotencyKey,
            RequestHash: RequestHasher.Hash(request),
            TemplateId: isTemplate ? request.Template.TemplateId : null,
            Locale: send.Locale,
            Params: isTemplate ? (request.Template.Data ?? new Google.Protobuf.WellKnownTypes.Struct()).ToByteArray() : null,
            Content: isTemplate ? null : request.Content.ToByteArray(),
            Priority: send.Priority,
            SendAt: send.SendAt,
            ExpiresAt: send.ExpiresAt,
            CorrelationId: NullIfEmpty(request.CorrelationId),
            MetadataJson: request.Metadata.Count == 0 ? null : JsonSerializer.Serialize(request.Metadata),
            ExternalId: NullIfEmpty(request.Recipient?.ExternalId ?? ""),
            // The ingress span's context travels with the notification, so the worker's
            // delivery span continues the caller's trace.
            Traceparent: Activity.Current?.Id,
            Deliveries: deliveries);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
