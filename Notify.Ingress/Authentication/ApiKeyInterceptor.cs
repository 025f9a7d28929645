using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Notify.Ingress.Authentication;

/// <summary>
/// Requires <c>authorization: Bearer &lt;api key&gt;</c> on every call of the services it is
/// attached to, and attaches the caller's tenant to the call.
/// </summary>
internal sealed class ApiKeyInterceptor(ApiKeyAuthenticator authenticator) : Interceptor
{
    private const string Scheme = "Bearer ";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "Missing API key: send gRPC metadata 'authorization: Bearer <key>'."));
        }
        var tenant = await authenticator.AuthenticateAsync(header[Scheme.Length..].Trim(), context.CancellationToken);
        if (tenant is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The API key is not valid (unknown, revoked or malformed)."));
        }
        tenant.Attach(context);
        return await continuation(request, context);
    }
}
