using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Notify.Grpc.V1;

namespace Notify.Cli.Drill;

/// <summary>A seeded message: its delivery and whether the ingress already skipped it (a suppressed address).</summary>
public sealed record SeededDelivery(PlannedMessage Message, Guid DeliveryId, bool SkippedAtIngest);

/// <summary>
/// Seeds the plan through the tenant API as a caller would: <c>SendBatch</c> of
/// <see cref="DrillOptions.BatchSize"/>, one channel per notification, inline content, bulk
/// priority (so a drill on a shared system does not hold up transactional messages). Each
/// message has an idempotency key of the run, so a batch retried after a lost answer changes nothing.
/// </summary>
public sealed class DrillSeeder(DrillTarget target)
{
    public async Task<IReadOnlyList<SeededDelivery>> SeedAsync(DrillPlan plan, Action<int> progress, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(target.Ingress);
        var client = new NotifyService.NotifyServiceClient(channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + target.ApiKey);
            return metadata;
        }));
        var seeded = new List<SeededDelivery>(plan.Messages.Count);
        foreach (var batch in plan.Messages.Chunk(plan.Options.BatchSize))
        {
            var request = new SendBatchRequest();
            request.Notifications.AddRange(batch.Select(m => Request(plan, m)));
            var response = await SendWithRetriesAsync(client, request, cancellationToken);
            foreach (var result in response.Results.OrderBy(r => r.Index))
            {
                var message = batch[result.Index];
                if (result.Error is { } error)
                {
                    var fields = string.Join("; ", error.Fields.Select(f => $"{f.Field}: {f.Description}"));
                    throw new CliException(ExitCodes.Failed,
                        $"The ingress refused drill message {message.Index} ({message.Channel}): {error.Message}{(fields.Length > 0 ? $" ({fields})" : "")}");
                }
                var delivery = result.Accepted.Deliveries.Single();
                seeded.Add(new SeededDelivery(message, Guid.Parse(delivery.DeliveryId), delivery.Status == DeliveryStatus.Skipped));
            }
            progress(seeded.Count);
        }
        return seeded;
    }

    /// <summary>A batch that failed in transit is sent again (the idempotency keys make that safe), twice at most.</summary>
    private static async Task<SendBatchResponse> SendWithRetriesAsync(NotifyService.NotifyServiceClient client, SendBatchRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await client.SendBatchAsync(request, deadline: DateTime.UtcNow.AddSeconds(60), cancellationToken: cancellationToken);
            }
            catch (RpcException e) when (attempt < 3 && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private static SendRequest Request(DrillPlan plan, PlannedMessage message)
    {
        var request = new SendRequest
        {
            IdempotencyKey = plan.IdempotencyKey(message),
            Recipient = new Recipient(),
            Priority = Priority.Bulk,
            CorrelationId = "notify-drill-" + plan.RunId,
            Content = new Content(),
        };
        request.Metadata["drill"] = plan.RunId;
        var text = $"Notify crash drill {plan.RunId}: message {message.Index + 1} of {plan.Messages.Count}.";
        if (message.Channel == DrillPlan.Email)
        {
            request.Channels.Add(Channel.Email);
            request.Recipient.Email = message.Recipient;
            request.Content.Email = new EmailContent { Subject = $"Notify crash drill {plan.RunId}", TextBody = text };
        }
        else
        {
            request.Channels.Add(Channel.Whatsapp);
            request.Recipient.Whatsapp = message.Recipient;
            request.Content.Whatsapp = new WhatsAppContent { Text = text };
        }
        return request;
    }
}
