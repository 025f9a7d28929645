using Notify.Delivery.Telemetry;

namespace Notify.Tests.Delivery;

/// <summary>How often the queue gauges' query runs: the interval, stretched when a reading is slow.</summary>
public sealed class QueueMonitorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(100)]
    public void A_quick_reading_waits_the_configured_interval(int readingMs)
        => Assert.Equal(Interval, QueueMonitor.NextWait(Interval, TimeSpan.FromMilliseconds(readingMs)));

    [Fact]
    public void A_slow_reading_of_a_deep_backlog_waits_until_it_is_a_fiftieth_of_the_time()
    {
        var reading = TimeSpan.FromSeconds(2);

        var wait = QueueMonitor.NextWait(Interval, reading);

        Assert.Equal(TimeSpan.FromSeconds(98), wait);
        Assert.Equal(1.0 / QueueMonitor.MaxCostFactor, reading / (reading + wait), 6);
    }
}
