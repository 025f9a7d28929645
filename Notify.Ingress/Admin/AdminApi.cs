using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Ingress.Admin.DeadLetters;

namespace Notify.Ingress.Admin;

/// <summary>
/// The <c>notify.admin.v1.AdminService</c> implementation: each rpc hands its request and the
/// authenticated caller (<see cref="AdminCall"/>, attached by <see cref="AdminInterceptor"/>) to the
/// handler of its area. GetStatus is not implemented here (UNIMPLEMENTED until the status reader is wired).
/// </summary>
internal sealed class AdminApi(DeadLetterAdmin deadLetters) : AdminService.AdminServiceBase
{
    public override Task<ListDeadLetterGroupsResponse> ListDeadLetterGroups(ListDeadLetterGroupsRequest request, ServerCallContext context)
        => deadLetters.ListGroupsAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<DeadLetter> GetDeadLetter(GetDeadLetterRequest request, ServerCallContext context)
        => deadLetters.GetAsync(request, AdminCall.Get(context), context.CancellationToken);

    public override Task<ReplayDeadLettersResponse> ReplayDeadLetters(ReplayDeadLettersRequest request, ServerCallContext context)
        => deadLetters.ReplayAsync(request, AdminCall.Get(context), context);
}
