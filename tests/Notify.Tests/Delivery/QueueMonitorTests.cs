using Notify.Delivery.Telemetry;

namespace Notify.Tests.Delivery;

/// <summary>How often the queue gauges' query runs: the interval, stretched when readings are slow.</summary>
public sealed class QueueMonitorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(100)]
    public void Quick_readings_wait_the_configured_interval(int readingMs)
    {
        var reading = TimeSpan.FromMilliseconds(readingMs);

        Assert.Equal(Interval, QueueMonitor.NextWait(Interval, reading, reading));
    }

    [Fact]
    public void Slow_readings_of_a_deep_backlog_wait_until_a_reading_is_a_fiftieth_of_the_time()
    {
        var wait = QueueMonitor.NextWait(Interval, TimeSpan.FromSeconds(0.6), TimeSpan.FromSeconds(0.5));

        Assert.Equal(TimeSpan.FromSeconds(24.5), wait);
        Assert.Equal(1.0 / QueueMonitor.MaxCostFactor, TimeSpan.FromSeconds(0.5) / (TimeSpan.FromSeconds(0.5) + wait), 6);
    }

    [Fact]
    public void However_slow_the_readings_the_gauges_are_read_again_within_twelve_intervals()
        => Assert.Equal(Interval * 12, QueueMonitor.NextWait(Interval, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20)));

    [Theory]
    [InlineData(0, 3_000)]
    [InlineData(3_000, 10)]
    public void One_slow_reading_alone_start_up_or_a_pause_stretches_nothing(int beforeMs, int lastMs)
        => Assert.Equal(Interval, QueueMonitor.NextWait(Interval, TimeSpan.FromMilliseconds(lastMs), TimeSpan.FromMilliseconds(beforeMs)));
}
