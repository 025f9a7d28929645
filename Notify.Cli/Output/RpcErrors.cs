using Grpc.Core;

namespace Notify.Cli;

/// <summary>Turns a gRPC failure into notifyctl's exit code and a message that names the cause.</summary>
public static class RpcErrors
{
    public static CliException ToCliException(RpcException e)
    {
        var code = e.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unavailable,
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => ExitCodes.Denied,
            StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists
                or StatusCode.FailedPrecondition or StatusCode.ResourceExhausted or StatusCode.OutOfRange => ExitCodes.Refused,
            _ => ExitCodes.Internal,
        };
        var details = e.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>() is { } badRequest
            ? " (" + string.Join("; ", badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}")) + ")"
            : "";
        return new CliException(code, $"{e.StatusCode}: {e.Status.Detail}{details}");
    }
}
