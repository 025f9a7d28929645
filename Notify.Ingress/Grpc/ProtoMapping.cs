using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Notify.Grpc.V1;
using Notify.Outbox.Privacy;
using Notify.Outbox.Reading;
using Notify.Outbox.Writing;

namespace Notify.Ingress.Grpc;

/// <summary>Maps outbox records to API messages.</summary>
internal static class ProtoMapping
{
    public static SendResponse ToResponse(Accepted accepted)
    {
        var response = new SendResponse { NotificationId = accepted.NotificationId.ToString(), Replayed = accepted.Replayed };
        foreach (var d in accepted.Deliveries)
        {
            response.Deliveries.Add(new DeliveryRef
            {
                DeliveryId = d.Id.ToString(),
                Channel = Channels.FromName(d.Channel),
                RecipientMasked = RecipientMask.Mask(d.Channel, d.Recipient),
                Status = Channels.ToStatus(d.Status),
                SkipReason = d.SkipReason ?? "",
            });
        }
        return response;
    }

    public static Notification ToProto(NotificationView view)
    {
        var notification = new Notification
        {
            NotificationId = view.Id.ToString(),
            IdempotencyKey = view.IdempotencyKey,
            Priority = view.Priority == 1 ? Priority.Bulk : Priority.Transactional,
            CorrelationId = view.CorrelationId ?? "",
            TemplateId = view.TemplateId ?? "",
            Locale = view.Locale ?? "",
            CreatedAt = Time(view.CreatedAt),
            SendAt = Time(view.SendAt),
            ExpiresAt = Time(view.ExpiresAt),
        };
        if (view.MetadataJson is not null)
        {
            notification.Metadata.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(view.MetadataJson)!);
        }
        notification.Deliveries.AddRange(view.Deliveries.Select(ToProto));
        return notification;
    }

    public static Notify.Grpc.V1.Delivery ToProto(DeliveryView d)
    {
        var delivery = new Notify.Grpc.V1.Delivery
        {
            DeliveryId = d.Id.ToString(),
            Channel = Channels.FromName(d.Channel),
            RecipientMasked = RecipientMask.Mask(d.Channel, d.Recipient),
            Status = Channels.ToStatus(d.Status),
            AttemptCount = d.AttemptCount,
            MaxAttempts = d.MaxAttempts,
            NextAttemptAt = Time(d.NextAttemptAt),
            Provider = d.Provider ?? "",
            ProviderMessageId = d.ProviderMessageId ?? "",
            LastErrorCode = d.LastErrorCode ?? "",
            LastErrorMessage = d.LastErrorMessage ?? "",
            SkipReason = d.SkipReason ?? "",
            CreatedAt = Time(d.CreatedAt),
            UpdatedAt = Time(d.UpdatedAt),
            SentAt = Time(d.SentAt),
            DeliveredAt = Time(d.DeliveredAt),
            TemplateVersion = d.TemplateVersion ?? 0,
        };
        delivery.Attempts.AddRange(d.Attempts.Select(a => new Attempt
        {
            AttemptNumber = a.AttemptNumber,
            Provider = a.Provider,
            Outcome = a.Outcome,
            HttpStatus = a.HttpStatus ?? 0,
            ErrorCode = a.ErrorCode ?? "",
            ErrorMessage = a.ErrorMessage ?? "",
            ProviderMessageId = a.ProviderMessageId ?? "",
            StartedAt = Time(a.StartedAt),
            DurationMs = a.DurationMs,
        }));
        delivery.Receipts.AddRange(d.Receipts.Select(r => new Receipt
        {
            Provider = r.Provider,
            Event = r.Event,
            Outcome = r.Outcome,
            ErrorCode = r.ErrorCode ?? "",
            OccurredAt = Time(r.OccurredAt),
            ReceivedAt = Time(r.ReceivedAt),
        }));
        return delivery;
    }

    private static Timestamp? Time(DateTime? value)
        => value is { } v ? Timestamp.FromDateTime(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
