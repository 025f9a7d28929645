using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Notify.Ingress.Admin.Replay;
using Notify.Ingress.Grpc;
using Notify.Ingress.Validation;
using Notify.Outbox.DeadLetters;
using Notify.Outbox.Tenants;
using Proto = Notify.Grpc.Admin.V1;

namespace Notify.Ingress.Admin.DeadLetters;

/// <summary>
/// The dead-letter calls of the admin API: requests checked field by field, then
/// <see cref="DeadLetterStore"/>; its refusals become the codes admin.proto names.
/// </summary>
internal sealed class DeadLetterAdmin(
    DeadLetterStore store, TenantStore tenants, ReplayRateLimiter rateLimiter, IOptions<AdminOptions> options)
{
    public async Task<Proto.ListDeadLetterGroupsResponse> ListGroupsAsync(Proto.ListDeadLetterGroupsRequest request, AdminCall call,
        CancellationToken cancellationToken)
    {
        var filter = await FilterAsync(request.Filter, "filter", tenantId: null, call, cancellationToken);
        if (call.ScopeTenant is { } scope && filter is null)
        {
            filter = new DeadLetterFilter(scope);
        }
        var groups = await store.ListGroupsAsync(filter, cancellationToken);
        var response = new Proto.ListDeadLetterGroupsResponse { Total = groups.Sum(g => g.Count) };
        response.Groups.AddRange(groups.Select(g => new Proto.DeadLetterGroup
        {
            Channel = Channels.FromName(g.Channel),
            ErrorCode = g.ErrorCode ?? "",
            Count = g.Count,
            LastOccurredAt = AdminArguments.Proto(g.LastOccurredAt),
        }));
        call.Describe("groups", response.Groups.Count).Describe("total", response.Total);
        return response;
    }

    public async Task<Proto.DeadLetter> GetAsync(Proto.GetDeadLetterRequest request, AdminCall call, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.DeliveryId, out var id))
        {
            FieldViolations.ThrowInvalid("delivery_id", "must be a delivery id (UUID)");
        }
        call.Describe("delivery", id);
        var shown = await store.ShowAsync(id, cancellationToken);
        // For a token limited to one tenant, another tenant's delivery does not exist.
        if (shown is null || (call.ScopeTenant is { } scope && shown.TenantId != scope))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No delivery {id}."));
        }
        call.TenantId = shown.TenantId;
        var tenant = await tenants.FindAsync(shown.TenantId.ToString(), cancellationToken);
        // ProtoMapping masks the recipient, as every answer of the API does.
        return new Proto.DeadLetter
        {
            TenantId = shown.TenantId.ToString(),
            TenantName = tenant?.Name ?? "",
            NotificationId = shown.NotificationId.ToString(),
            Delivery = ProtoMapping.ToProto(shown.Delivery),
        };
    }

    public async Task<Proto.ReplayDeadLettersResponse> ReplayAsync(Proto.ReplayDeadLettersRequest request, AdminCall call, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var settings = options.Value;
        call.Describe("dry_run", !request.Confirm);
        var tenant = (await TenantAsync(request.Tenant, "tenant", required: true, call, cancellationToken))!;
        call.TenantId = tenant.Id;

        var violations = new FieldViolations();
        var ids = Ids(request, violations);
        var filter = request.Filter is null ? null : await FilterAsync(request.Filter, "filter", tenant.Id, call, cancellationToken, violations);
        if (request.DeliveryIds.Count > 0 && request.Filter is not null)
        {
            violations.Add("filter", "give delivery_ids or a filter, not both");
        }
        else if (request.DeliveryIds.Count == 0 && request.Filter is null)
        {
            violations.Add("delivery_ids", "give delivery_ids or a filter (an empty filter selects all of the tenant's dead letters)");
        }
        if (request.MaxRows < 0)
        {
            violations.Add("max_rows", $"must be 0 (the configured maximum, {settings.MaxReplayRows:N0}) or more");
        }
        var key = AdminArguments.Text(request.ReplayKey, "replay_key", DeadLetterStore.MaxReplayKeyLength, required: false, violations);
        var reason = AdminArguments.Text(request.Reason, "reason", DeadLetterStore.MaxReasonLength, required: true, violations,
            "why (e.g. an incident id), recorded with the run");
        violations.ThrowIfAny();

        // The request's max_rows may lower the configured maximum, never raise it.
        var maxRows = request.MaxRows == 0 ? settings.MaxReplayRows : Math.Min(request.MaxRows, settings.MaxReplayRows);
        call.Describe("ids", ids?.Count).Describe("max_rows", maxRows)
            .Describe("key", key).Describe("reason", reason);

        if (request.Confirm)
        {
            // Dry runs are not counted: they change nothing, and an operator checks a count before confirming.
            var decision = await rateLimiter.AcquireAsync(tenant.Id, call.ClientAddress);
            if (!decision.Allowed)
            {
                var seconds = (int)Math.Ceiling(decision.RetryAfter.TotalSeconds);
                context.GetHttpContext().Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"At most {settings.ReplayRateLimit} confirmed replays per {settings.ReplayRateWindow.TotalMinutes:0.#} minutes for one " +
                    $"tenant from one address; try again in {seconds} s. Nothing was replayed."));
            }
        }

        ReplayResult result;
        try
        {
            result = await store.ReplayAsync(new ReplayRequest(tenant.Id, ids, filter, DryRun: !request.Confirm, key, call.Actor, reason!, maxRows),
                cancellationToken);
        }
        catch (ReplayRefusedException refused)
        {
            throw new RpcException(new Status(refused.Refusal switch
            {
                ReplayRefusal.TooManyRows => StatusCode.FailedPrecondition,
                ReplayRefusal.DailyBudget or ReplayRefusal.MonthlyBudget => StatusCode.ResourceExhausted,
                _ => StatusCode.AlreadyExists,
            }, refused.Message));
        }
        call.Describe("count", result.Count).Describe("repeated", result.Repeated).Describe("run", result.RunId);

        var budget = await store.BudgetAsync(tenant.Id, cancellationToken);
        return new Proto.ReplayDeadLettersResponse
        {
            Count = result.Count,
            DryRun = result.DryRun,
            Repeated = result.Repeated,
            RunId = result.RunId ?? 0,
            CreatedAt = AdminArguments.Proto(result.CreatedAt),
            DailyBudgetRemaining = budget.DailyRemaining,
            MonthlyBudgetRemaining = budget.MonthlyRemaining,
        };
    }

    /// <summary>
    /// The tenant a request names. For a token limited to one tenant (<see cref="AdminCall.ScopeTenant"/>)
    /// an empty field means that tenant and any other is PERMISSION_DENIED, whether it exists or
    /// not: the answer must not tell such a token which other tenants exist.
    /// </summary>
    private async Task<Tenant?> TenantAsync(string value, string field, bool required, AdminCall call, CancellationToken cancellationToken)
    {
        if (call.ScopeTenant is not { } scope)
        {
            return await AdminArguments.TenantAsync(tenants, value, field, required, cancellationToken);
        }
        var own = await tenants.FindAsync(scope.ToString(), cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.PermissionDenied, "The admin token's tenant no longer exists."));
        var trimmed = value.Trim();
        if (trimmed.Length == 0 || trimmed == own.Name || (Guid.TryParse(trimmed, out var id) && id == own.Id))
        {
            return own;
        }
        throw new RpcException(new Status(StatusCode.PermissionDenied,
            $"{field}: this token is limited to the tenant '{own.Name}' and cannot name another."));
    }

    private static List<Guid>? Ids(Proto.ReplayDeadLettersRequest request, FieldViolations violations)
    {
        if (request.DeliveryIds.Count == 0)
        {
            return null;
        }
        if (request.DeliveryIds.Count > DeadLetterStore.MaxReplayIds)
        {
            violations.Add("delivery_ids", $"at most {DeadLetterStore.MaxReplayIds:N0} ids per replay; use a filter for more");
            return null;
        }
        var ids = new List<Guid>(request.DeliveryIds.Count);
        for (var i = 0; i < request.DeliveryIds.Count; i++)
        {
            if (Guid.TryParse(request.DeliveryIds[i], out var id))
            {
                ids.Add(id);
            }
            else
            {
                violations.Add($"delivery_ids[{i}]", "must be a delivery id (UUID)");
            }
        }
        return ids;
    }

    /// <summary>
    /// The store's filter for a proto filter. For a replay (<paramref name="tenantId"/> given) the
    /// filter's own tenant may only repeat the replay's tenant.
    /// </summary>
    private async Task<DeadLetterFilter?> FilterAsync(Proto.DeadLetterFilter? filter, string field, Guid? tenantId, AdminCall call,
        CancellationToken cancellationToken, FieldViolations? violations = null)
    {
        if (filter is null)
        {
            return null;
        }
        var own = violations is null;
        violations ??= new FieldViolations();
        var filterTenant = await TenantAsync(filter.Tenant, $"{field}.tenant", required: false, call, cancellationToken);
        if (tenantId is { } replayTenant && filterTenant is not null && filterTenant.Id != replayTenant)
        {
            violations.Add($"{field}.tenant", "must be empty or the replay's tenant: a replay never crosses tenants");
        }
        string? channel = null;
        if (filter.Channel != Notify.Grpc.V1.Channel.Unspecified && (channel = Channels.ToName(filter.Channel)) is null)
        {
            violations.Add($"{field}.channel", "is not a known channel");
        }
        var errorCode = AdminArguments.Text(filter.ErrorCode, $"{field}.error_code", DeadLetterStore.MaxErrorCodeLength,
            required: false, violations);
        var from = AdminArguments.Time(filter.From, $"{field}.from", violations);
        var to = AdminArguments.Time(filter.To, $"{field}.to", violations);
        if (from is not null && to is not null && from >= to)
        {
            violations.Add($"{field}.to", $"must be after {field}.from");
        }
        if (own)
        {
            violations.ThrowIfAny();
        }
        if (tenantId is null && filterTenant is not null)
        {
            call.TenantId = filterTenant.Id;
        }
        call.Describe("channel", channel).Describe("error_code", errorCode);
        return new DeadLetterFilter(tenantId ?? filterTenant?.Id, channel, errorCode, from, to);
    }
}
