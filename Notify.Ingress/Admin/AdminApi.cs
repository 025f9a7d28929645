using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Ingress.Admin.Audit;
using Notify.Ingress.Admin.Cleanup;
using Notify.Ingress.Admin.Controls;
using Notify.Ingress.Admin.DeadLetters;
using Notify.Ingress.Admin.Tenants;
using Notify.Outbox.Status;

namespace Notify.Ingress.Admin;

/// <summary>
/// The <c>notify.admin.v1.AdminService</c> implementation: each rpc hands its request and the
/// authenticated caller (<see cref="AdminCall"/>, attached by <see cref="AdminInterceptor"/>) to the
/// handler of its area.
/// </summary>
internal sealed class AdminApi(
    DeadLetterAdmin deadLetters,
    ChannelControlAdmin controls,
    CleanupAdmin cleanup,
    TenantAdmin tenants,
    AuditAdmin audit,
    SystemStatusReader status) : AdminService.AdminServiceBase
{
    public override async Task<SystemStatus> GetStatus(GetStatusRequest request, ServerCallContext context)
        => StatusMapping.ToProto(await status.ReadAsync(AdminCall.Get(context).ScopeTenant, context.CancellationToken));

    public override Task<ListDeadLetterGroupsResponse> ListDeadLetterGroups(ListDeadLetterGroupsRequest request, ServerCallContext context)
        => deadLetters.ListGroupsAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<DeadLetter> GetDeadLetter(GetDeadLetterRequest request, ServerCallContext context)
        => deadLetters.GetAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<ReplayDeadLettersResponse> ReplayDeadLetters(ReplayDeadLettersRequest request, ServerCallContext context)
        => deadLetters.ReplayAsync(request, AdminCall.Get(context), context);

    public override Task<ChannelControl> PauseChannel(ChannelControlRequest request, ServerCallContext context)
        => controls.PauseAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<ChannelControl> ResumeChannel(ChannelControlRequest request, ServerCallContext context)
        => controls.ResumeAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<ListChannelControlsResponse> ListChannelControls(ListChannelControlsRequest request, ServerCallContext context)
        => controls.ListAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task RunCleanup(RunCleanupRequest request, IServerStreamWriter<CleanupProgress> responseStream, ServerCallContext context)
        => cleanup.RunAsync(request, responseStream, AdminCall.Get(context), context.CancellationToken);

    public override Task<TenantKey> CreateTenant(CreateTenantRequest request, ServerCallContext context)
        => tenants.CreateAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<TenantKey> RotateTenantKey(RotateTenantKeyRequest request, ServerCallContext context)
        => tenants.RotateKeyAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
        => tenants.ListAsync(AdminCall.Get(context), context.CancellationToken);

    public override Task<ListAuditLogResponse> ListAuditLog(ListAuditLogRequest request, ServerCallContext context)
        => audit.ListAsync(request, AdminCall.Get(context), context.CancellationToken);
}
