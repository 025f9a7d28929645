using Grpc.Core;
using Notify.Grpc.V1;

namespace Notify.Bench.SelfTest;

/// <summary>
/// Answers Send and SendBatch at once (or after a fixed delay) with made-up ids, writing
/// nothing. It checks the API key, so a self-test also proves the tool sends it, and it
/// rejects a batch item without an idempotency key the way the real API does. Everything
/// else is UNIMPLEMENTED.
/// </summary>
internal sealed class FakeNotifyService(FakeNotifyService.Settings settings) : NotifyService.NotifyServiceBase
{
    internal sealed record Settings(string ApiKey, TimeSpan AnswerDelay);

    private readonly string _expectedAuthorization = $"Bearer {settings.ApiKey}";

    public override async Task<SendResponse> Send(SendRequest request, ServerCallContext context)
    {
        Authenticate(context);
        await DelayAsync(context);
        return Accept(request);
    }

    public override async Task<SendBatchResponse> SendBatch(SendBatchRequest request, ServerCallContext context)
    {
        Authenticate(context);
        if (request.Notifications.Count is 0 or > 1000)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "notifications: 1 to 1,000 items"));
        }

        await DelayAsync(context);
        var response = new SendBatchResponse();
        for (var i = 0; i < request.Notifications.Count; i++)
        {
            var item = request.Notifications[i];
            if (string.IsNullOrEmpty(item.IdempotencyKey))
            {
                response.Results.Add(new SendBatchItemResult
                {
                    Index = i,
                    Error = new ItemError
                    {
                        Code = (int)StatusCode.InvalidArgument,
                        Message = "idempotency_key is required",
                        Fields = { new FieldError { Field = "idempotency_key", Description = "required" } },
                    },
                });
                response.RejectedCount++;
                continue;
            }

            response.Results.Add(new SendBatchItemResult { Index = i, Accepted = Accept(item) });
            response.AcceptedCount++;
        }

        return response;
    }

    private void Authenticate(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("authorization") != _expectedAuthorization)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing or unknown API key"));
        }
    }

    private Task DelayAsync(ServerCallContext context) =>
        settings.AnswerDelay > TimeSpan.Zero ? Task.Delay(settings.AnswerDelay, context.CancellationToken) : Task.CompletedTask;

    private static SendResponse Accept(SendRequest request)
    {
        var response = new SendResponse { NotificationId = Guid.CreateVersion7().ToString() };
        foreach (var channel in request.Channels)
        {
            response.Deliveries.Add(new DeliveryRef
            {
                DeliveryId = Guid.CreateVersion7().ToString(),
                Channel = channel,
                RecipientMasked = "u***@example.com",
                Status = DeliveryStatus.Pending,
            });
        }

        return response;
    }
}
