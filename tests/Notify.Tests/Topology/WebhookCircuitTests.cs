using Notify.Grpc.V1;

namespace Notify.Tests.Topology;

/// <summary>A webhook topology whose circuit opens after three failed calls in a row.</summary>
public sealed class WebhookCircuitTopologyFixture : WebhookTopologyFixture
{
    protected override int CircuitFailures => 3;
}

/// <summary>
/// The webhook circuit, in a topology of its own: the engine's breaker counts failures over a
/// five-minute window, so successes from other tests would keep it closed.
/// </summary>
[Collection(WebhookTopologyCollection.Name)]
public sealed class WebhookCircuitTests(WebhookCircuitTopologyFixture topology) : IClassFixture<WebhookCircuitTopologyFixture>
{
    [Fact]
    public async Task Failing_calls_open_the_circuit_no_attempts_are_burned_while_open_and_a_probe_recovers()
    {
        await topology.SetFaultsAsync(new { provider = "webhook", serverErrorPercent = 100 });
        var (notificationId, deliveryId) = await topology.SendWebhookAsync("circuit-" + Guid.NewGuid().ToString("N")[..8]);
        var failing = await topology.WaitForAsync(notificationId, d => d.AttemptCount >= 3, "three failed attempts");
        var rejected = await topology.RejectedAsync();

        // Retries are due every 200 ms and the delivery has 8 attempts: without the circuit it
        // would be DEAD within seconds. The circuit opened with the third failure and stays
        // open 8 s; look again 3 s after it opened, well inside the break.
        var opened = failing.Attempts[2].StartedAt.ToDateTime().AddMilliseconds(failing.Attempts[2].DurationMs);
        var lookAgain = opened.AddSeconds(3) - DateTime.UtcNow;
        if (lookAgain > TimeSpan.Zero)
        {
            await Task.Delay(lookAgain);
        }
        var during = await topology.DeliveryAsync(notificationId);
        var rejectedDuring = await topology.RejectedAsync();
        await topology.ClearFaultsAsync();
        var recovered = await topology.WaitForAsync(notificationId, d => d.Status == DeliveryStatus.Sent, "SENT after the break");

        Assert.Equal(3, failing.AttemptCount);
        Assert.Equal(failing.AttemptCount, during.AttemptCount);
        Assert.Equal(rejected, rejectedDuring);
        Assert.Equal(DeliveryStatus.Retrying, during.Status);
        Assert.Equal(failing.AttemptCount + 1, recovered.AttemptCount);
        Assert.Equal(1, Assert.Single(await topology.MessagesAsync(deliveryId)).GetProperty("arrivals").GetInt32());
    }
}
