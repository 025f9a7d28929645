using Notify.Ingress.Admin.Authentication;
using Notify.Ingress.Validation;
using Notify.Outbox.Audit;
using Proto = Notify.Grpc.Admin.V1;

namespace Notify.Ingress.Admin.Audit;

/// <summary>ListAuditLog: the newest entries of <c>notify.audit_log</c>, optionally of one action.</summary>
internal sealed class AuditAdmin(AuditLogStore store)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1_000;

    public async Task<Proto.ListAuditLogResponse> ListAsync(Proto.ListAuditLogRequest request, AdminCall call, CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        if (request.Limit is < 0 or > MaxLimit)
        {
            violations.Add("limit", $"must be 0 (the default, {DefaultLimit}) to {MaxLimit:N0}");
        }
        var action = request.Action.Trim();
        if (action.Length > 0 && !AdminRoles.Actions.Contains(action))
        {
            violations.Add("action", "must be empty or an AdminService rpc name, e.g. ReplayDeadLetters");
        }
        violations.ThrowIfAny();
        call.Describe("action", action.Length > 0 ? action : null);

        var entries = await store.ListAsync(request.Limit == 0 ? DefaultLimit : request.Limit, action.Length > 0 ? action : null, cancellationToken);
        var response = new Proto.ListAuditLogResponse();
        response.Entries.AddRange(entries.Select(e => new Proto.AuditEntry
        {
            Id = e.Id,
            OccurredAt = AdminArguments.Proto(e.OccurredAt),
            Actor = e.Actor,
            Role = e.Role,
            Action = e.Action,
            TenantId = e.TenantId?.ToString() ?? "",
            ClientAddress = e.ClientAddress,
            Outcome = e.Outcome,
            Detail = e.Detail,
        }));
        return response;
    }
}
