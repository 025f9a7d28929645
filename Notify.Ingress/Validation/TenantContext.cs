using Grpc.Core;

namespace Notify.Ingress.Validation;

/// <summary>The tenant a call was authenticated as, set by the authentication interceptor.</summary>
public sealed record TenantContext(Guid TenantId, string TenantName)
{
    private const string Key = "notify.tenant";

    public static TenantContext Get(ServerCallContext context)
        => context.UserState.TryGetValue(Key, out var value) && value is TenantContext tenant
            ? tenant
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "No tenant on this call."));

    public void Attach(ServerCallContext context) => context.UserState[Key] = this;
}
