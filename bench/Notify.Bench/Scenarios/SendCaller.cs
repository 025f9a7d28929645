using Grpc.Core;
using Notify.Bench.Load;
using Notify.Bench.Recording;
using Notify.Grpc.V1;

namespace Notify.Bench.Scenarios;

/// <summary>One unary Send per call, reusing one request object with a new key each time.</summary>
internal sealed class SendCaller(NotifyService.NotifyServiceClient client, NotificationFactory factory) : INotifyCaller
{
    private readonly SendRequest _request = factory.Create();
    private bool _fresh = true;

    public async Task<CallOutcome> CallAsync(CallOptions options)
    {
        if (!_fresh)
        {
            factory.Restamp(_request);
        }

        _fresh = false;
        var response = await client.SendAsync(_request, options);
        return new CallOutcome(1, response.Deliveries.Count, response.Replayed ? 1 : 0);
    }
}
