using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Ingress.Suppressions;
using Notify.Ingress.Templates;
using Notify.Templates;
using Notify.Ingress.Validation;
using Notify.Outbox.Reading;
using Notify.Outbox.Writing;

namespace Notify.Ingress.Grpc;

/// <summary>The <c>notify.v1.NotifyService</c> implementation.</summary>
[BindServiceMethod(typeof(NotifyApiBinding), nameof(NotifyApiBinding.BindService))]
internal sealed class NotifyApi(
    SendRequestValidator validator,
    NotificationFactory factory,
    OutboxWriter writer,
    NotificationReader reader,
    TemplateStore templates,
    SuppressionService suppressions) : NotifyService.NotifyServiceBase
{
    public const int MaxBatchSize = 1_000;

    public override async Task<SendResponse> Send(SendRequest request, ServerCallContext context)
    {
        var tenant = TenantContext.Get(context);
        var violations = new FieldViolations();
        var send = validator.Validate(request, violations);
        var templateVersions = send is null ? null : await ResolveTemplatesAsync(tenant, send, violations, context.CancellationToken);
        if (send is null || !violations.IsEmpty)
        {
            IngestMetrics.Invalid();
            throw violations.ToException();
        }

        var notification = factory.Create(tenant.TenantId, send, templateVersions);
        var outcome = (await writer.WriteAsync([notification], context.CancellationToken))[0];
        IngestMetrics.Record(outcome);
        return outcome switch
        {
            Accepted accepted => ProtoMapping.ToResponse(accepted),
            _ => throw ToException(outcome, request.IdempotencyKey),
        };
    }

    public override async Task<SendBatchResponse> SendBatch(SendBatchRequest request, ServerCallContext context)
    {
        var tenant = TenantContext.Get(context);
        if (request.Notifications.Count is 0 or > MaxBatchSize)
        {
            FieldViolations.ThrowInvalid("notifications", $"must hold 1 to {MaxBatchSize:N0} notifications");
        }

        var response = new SendBatchResponse();
        var results = new SendBatchItemResult[request.Notifications.Count];
        var toWrite = new List<NewNotification>(request.Notifications.Count);
        var writeIndex = new List<int>(request.Notifications.Count);
        for (var i = 0; i < request.Notifications.Count; i++)
        {
            var item = request.Notifications[i];
            var violations = new FieldViolations();
            var send = validator.Validate(item, violations);
            var templateVersions = send is null ? null : await ResolveTemplatesAsync(tenant, send, violations, context.CancellationToken);
            if (send is null || !violations.IsEmpty)
            {
                IngestMetrics.Invalid();
                results[i] = ItemError(i, StatusCode.InvalidArgument, violations.ToException().Status.Detail, violations);
                continue;
            }
            toWrite.Add(factory.Create(tenant.TenantId, send, templateVersions));
            writeIndex.Add(i);
        }

        var outcomes = await writer.WriteAsync(toWrite, context.CancellationToken);
        for (var j = 0; j < outcomes.Count; j++)
        {
            var i = writeIndex[j];
            IngestMetrics.Record(outcomes[j]);
            results[i] = outcomes[j] switch
            {
                Accepted accepted => new SendBatchItemResult { Index = i, Accepted = ProtoMapping.ToResponse(accepted) },
                var other => ToItemError(i, ToException(other, request.Notifications[i].IdempotencyKey)),
            };
        }

        response.Results.AddRange(results);
        response.AcceptedCount = results.Count(r => r.ResultCase == SendBatchItemResult.ResultOneofCase.Accepted);
        response.RejectedCount = results.Length - response.AcceptedCount;
        return response;
    }

    public override async Task<Notification> GetNotification(GetNotificationRequest request, ServerCallContext context)
    {
        var tenant = TenantContext.Get(context);
        var id = ParseNotificationId(request.NotificationId);
        var view = await reader.GetAsync(tenant.TenantId, id, context.CancellationToken) ?? ThrowNotFound(request.NotificationId);
        return ProtoMapping.ToProto(view);
    }

    public override async Task<CancelNotificationResponse> CancelNotification(CancelNotificationRequest request, ServerCallContext context)
    {
        var tenant = TenantContext.Get(context);
        var id = ParseNotificationId(request.NotificationId);
        if (await reader.CancelAsync(tenant.TenantId, id, context.CancellationToken) is not { } result)
        {
            ThrowNotFound(request.NotificationId);
            return null;
        }
        var response = new CancelNotificationResponse { CancelledCount = result.Cancelled };
        response.Deliveries.AddRange(result.View.Deliveries.Select(ProtoMapping.ToProto));
        return response;
    }

    public override async Task<Template> PutTemplate(PutTemplateRequest request, ServerCallContext context)
        => await templates.PutAsync(TenantContext.Get(context).TenantId, request, context.CancellationToken);

    public override async Task<Template> GetTemplate(GetTemplateRequest request, ServerCallContext context)
    {
        var tenant = TenantContext.Get(context);
        var (templateId, channel, locale, version) = TemplateRequests.Validate(request);
        return await templates.GetAsync(tenant.TenantId, templateId, channel, locale, version, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound,
                $"No template '{templateId}' for channel {request.Channel} and locale '{locale}'" + (version > 0 ? $" at version {version}." : ".")));
    }

    public override Task<ListTemplatesResponse> ListTemplates(ListTemplatesRequest request, ServerCallContext context)
        => templates.ListAsync(TenantContext.Get(context).TenantId, request.TemplateIdPrefix, request.PageSize, request.PageToken, context.CancellationToken);

    public override Task<ListSuppressionsResponse> ListSuppressions(ListSuppressionsRequest request, ServerCallContext context)
        => suppressions.ListAsync(TenantContext.Get(context).TenantId, request, context.CancellationToken);

    public override Task<Suppression> AddSuppression(AddSuppressionRequest request, ServerCallContext context)
        => suppressions.AddAsync(TenantContext.Get(context).TenantId, request, context.CancellationToken);

    public override Task<RemoveSuppressionResponse> RemoveSuppression(RemoveSuppressionRequest request, ServerCallContext context)
        => suppressions.RemoveAsync(TenantContext.Get(context).TenantId, request, context.CancellationToken);

    /// <summary>
    /// For a template send: the version of the template each channel will use (pinned now,
    /// so a later put does not change what this notification says), or field violations
    /// for a channel without a template and for every variable the data lacks.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, ResolvedTemplate>?> ResolveTemplatesAsync(
        TenantContext tenant, ValidatedSend send, FieldViolations violations, CancellationToken cancellationToken)
    {
        var request = send.Request;
        if (request.BodyCase != SendRequest.BodyOneofCase.Template)
        {
            return null;
        }
        var channelNames = send.Targets.Select(t => t.ChannelName).Distinct().ToList();
        var resolution = await templates.ResolveAsync(tenant.TenantId, request.Template.TemplateId, send.Locale!, channelNames, cancellationToken);
        foreach (var missing in resolution.MissingChannels)
        {
            var index = request.Channels.IndexOf(Channels.FromName(missing));
            violations.Add($"channels[{index}]",
                $"template '{request.Template.TemplateId}' has no version for this channel in locale '{send.Locale}', its language or 'en'");
        }
        var supplied = request.Template.Data?.Fields.Keys ?? Enumerable.Empty<string>();
        foreach (var variable in resolution.MissingVariables(supplied))
        {
            violations.Add("template.data", $"lacks the variable '{variable}' that the template uses");
        }
        return resolution.Found;
    }

    private static Guid ParseNotificationId(string value)
    {
        if (!Guid.TryParse(value, out var id))
        {
            FieldViolations.ThrowInvalid("notification_id", "must be a UUID as returned by Send");
        }
        return id;
    }

    [DoesNotReturn]
    private static NotificationView ThrowNotFound(string id)
        => throw new RpcException(new Status(StatusCode.NotFound, $"No notification {id} for this tenant."));

    private static RpcException ToException(WriteOutcome outcome, string idempotencyKey) => outcome switch
    {
        KeyConflict conflict => new RpcException(new Status(StatusCode.AlreadyExists,
            $"idempotency_key '{idempotencyKey}' was already used for a different request (notification {conflict.ExistingNotificationId}). " +
            "Use a new key for a new notification, or resend the original request unchanged.")),
        Rejected { Retryable: true } rejected => new RpcException(new Status(StatusCode.Aborted, rejected.Reason)),
        Rejected rejected => new RpcException(new Status(StatusCode.InvalidArgument, rejected.Reason)),
        _ => new RpcException(new Status(StatusCode.Internal, "Unexpected write outcome.")),
    };

    private static SendBatchItemResult ToItemError(int index, RpcException exception)
        => ItemError(index, exception.StatusCode, exception.Status.Detail, null);

    private static SendBatchItemResult ItemError(int index, StatusCode code, string message, FieldViolations? violations)
    {
        var error = new ItemError { Code = (int)code, Message = message };
        if (violations is not null)
        {
            error.Fields.AddRange(violations.Items.Select(v => new FieldError { Field = v.Field, Description = v.Description }));
        }
        return new SendBatchItemResult { Index = index, Error = error };
    }
}
