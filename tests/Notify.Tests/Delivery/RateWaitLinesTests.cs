using Notify.Delivery.RateLimiting;

namespace Notify.Tests.Delivery;

/// <summary>The per-key lines deliveries wait in when a rate is spent: one head at a time, nothing left behind.</summary>
public sealed class RateWaitLinesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Only_the_head_of_a_keys_line_holds_a_turn_the_next_gets_it_when_the_head_is_done()
    {
        var lines = new RateWaitLines();
        var head = await lines.EnterAsync("sms:+14155550100", Patience, CancellationToken.None);
        var next = lines.EnterAsync("sms:+14155550100", Patience, CancellationToken.None);
        var otherKey = await lines.EnterAsync("sms:+14155550199", Patience, CancellationToken.None);

        await Task.Delay(100);
        Assert.False(next.IsCompleted);
        Assert.NotNull(otherKey);

        head!.Dispose();
        var second = await next.WaitAsync(Patience);
        Assert.NotNull(second);
        second.Dispose();
        otherKey.Dispose();
    }

    [Fact]
    public async Task A_delivery_whose_patience_runs_out_gets_no_turn_and_an_empty_line_is_forgotten()
    {
        var lines = new RateWaitLines();
        var head = await lines.EnterAsync("email:sendgrid", Patience, CancellationToken.None);

        var impatient = await lines.EnterAsync("email:sendgrid", TimeSpan.FromMilliseconds(50), CancellationToken.None);
        var noPatienceLeft = await lines.EnterAsync("email:sendgrid", TimeSpan.FromSeconds(-3), CancellationToken.None);

        Assert.Null(impatient);
        Assert.Null(noPatienceLeft);
        Assert.Equal(1, lines.Count);
        head!.Dispose();
        head.Dispose();
        Assert.Equal(0, lines.Count);
        using var again = await lines.EnterAsync("email:sendgrid", TimeSpan.FromMilliseconds(1), CancellationToken.None);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Stopping_while_in_line_leaves_the_line()
    {
        var lines = new RateWaitLines();
        using var head = await lines.EnterAsync("push:fcm", Patience, CancellationToken.None);
        using var stopping = new CancellationTokenSource();

        var waiting = lines.EnterAsync("push:fcm", Patience, stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, lines.Count);
    }
}
