using Grpc.Core;
using Notify.Bench.Recording;

namespace Notify.Bench.Load;

/// <summary>Names a failed call the way the report groups it: the gRPC status, or the exception type.</summary>
internal static class CallFailure
{
    public static (string Code, string Message) Describe(Exception exception) => exception switch
    {
        RpcException rpc => (rpc.StatusCode.ToString(), rpc.Status.Detail),
        _ => (exception.GetType().Name, exception.Message),
    };

    /// <summary>Counts a failed call against the server if it ended inside the measured window.</summary>
    public static void Record(Exception exception, CallerStats stats, MeasurementWindow window)
    {
        if (window.Contains(System.Diagnostics.Stopwatch.GetTimestamp()))
        {
            var (code, message) = Describe(exception);
            stats.CountFailure(code, message);
        }
    }

    /// <summary>True when the run itself was stopped (Ctrl+C), so the failure says nothing about the server.</summary>
    public static bool IsOurCancellation(Exception exception, CancellationToken stopping) =>
        stopping.IsCancellationRequested
        && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };
}
