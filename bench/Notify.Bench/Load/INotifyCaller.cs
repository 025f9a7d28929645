using Grpc.Core;
using Notify.Bench.Recording;

namespace Notify.Bench.Load;

/// <summary>Makes one call of a scenario. A caller is used by one loop at a time, so it may reuse its request.</summary>
internal interface INotifyCaller
{
    Task<CallOutcome> CallAsync(CallOptions options);
}
