using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;

namespace Notify.Ingress.Grpc;

/// <summary>
/// Turns a database that cannot be reached into UNAVAILABLE (retryable, with the same
/// idempotency key) instead of an opaque INTERNAL, and logs it without request data.
/// </summary>
internal sealed partial class StoreExceptionInterceptor(ILogger<StoreExceptionInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException { IsTransient: false })
        {
            LogStoreUnavailable(logger, context.Method, ex.GetType().Name);
            throw new RpcException(new Status(StatusCode.Unavailable,
                "The notification store is unavailable. Retry with the same idempotency key: a call that did commit is answered as a replay."));
        }
        catch (TimeoutException ex)
        {
            LogStoreUnavailable(logger, context.Method, ex.GetType().Name);
            throw new RpcException(new Status(StatusCode.Unavailable,
                "The notification store did not answer in time. Retry with the same idempotency key."));
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "{Method} failed: the database is unavailable ({Error})")]
    private static partial void LogStoreUnavailable(ILogger logger, string method, string error);
}
