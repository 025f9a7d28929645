using Grpc.Core;
using Notify.Bench.Load;
using Notify.Bench.Recording;
using Notify.Grpc.V1;

namespace Notify.Bench.Scenarios;

/// <summary>One SendBatch of a fixed size per call, reusing its request objects with new keys each time.</summary>
internal sealed class SendBatchCaller : INotifyCaller
{
    private readonly NotifyService.NotifyServiceClient _client;
    private readonly NotificationFactory _factory;
    private readonly SendBatchRequest _request = new();
    private bool _fresh = true;

    public SendBatchCaller(NotifyService.NotifyServiceClient client, NotificationFactory factory, int batchSize)
    {
        _client = client;
        _factory = factory;
        for (var i = 0; i < batchSize; i++)
        {
            _request.Notifications.Add(factory.Create());
        }
    }

    public async Task<CallOutcome> CallAsync(CallOptions options)
    {
        if (!_fresh)
        {
            foreach (var notification in _request.Notifications)
            {
                _factory.Restamp(notification);
            }
        }

        _fresh = false;
        var response = await _client.SendBatchAsync(_request, options);
        int accepted = 0, deliveries = 0, replayed = 0;
        List<ItemError>? rejections = null;
        foreach (var result in response.Results)
        {
            if (result.Accepted is { } item)
            {
                accepted++;
                deliveries += item.Deliveries.Count;
                replayed += item.Replayed ? 1 : 0;
            }
            else if (result.Error is { } error)
            {
                (rejections ??= []).Add(error);
            }
        }

        return new CallOutcome(accepted, deliveries, replayed, rejections);
    }
}
