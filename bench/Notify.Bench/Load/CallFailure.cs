using Grpc.Core;

namespace Notify.Bench.Load;

/// <summary>Names a failed call the way the report groups it: the gRPC status, or the exception type.</summary>
internal static class CallFailure
{
    public static (string Code, string Message) Describe(Exception exception) => exception switch
    {
        RpcException rpc => (rpc.StatusCode.ToString(), rpc.Status.Detail),
        _ => (exception.GetType().Name, exception.Message),
    };

    /// <summary>True when the run itself was stopped (Ctrl+C), so the failure says nothing about the server.</summary>
    public static bool IsOurCancellation(Exception exception, CancellationToken stopping) =>
        stopping.IsCancellationRequested
        && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };
}
