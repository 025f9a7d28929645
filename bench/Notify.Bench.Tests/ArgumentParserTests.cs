using Notify.Bench.Cli;

namespace Notify.Bench.Tests;

public sealed class ArgumentParserTests
{
    [Fact]
    public void Send_batch_defaults_to_500_per_call_from_4_callers_for_20_seconds_after_3()
    {
        var options = ArgumentParser.Parse(["send-batch"]);

        Assert.Equal(ScenarioKind.SendBatch, options.Scenario);
        Assert.Equal(500, options.BatchSize);
        Assert.Equal(4, options.Concurrency);
        Assert.Equal(1, options.Channels);
        Assert.Null(options.Rate);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Duration);
    }

    [Fact]
    public void Send_defaults_to_64_callers_over_4_channels()
    {
        var options = ArgumentParser.Parse(["send", "--rate", "5000"]);

        Assert.Equal(64, options.Concurrency);
        Assert.Equal(4, options.Channels);
        Assert.Equal(5000, options.Rate);
    }

    [Theory]
    [InlineData("20s", 20_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5", 1_500)]
    public void Durations_take_units(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ArgumentParser.ParseDuration("--duration", text, allowZero: false));

    [Theory]
    [InlineData("--batch", "1001")]
    [InlineData("--duration", "0s")]
    [InlineData("--address", "127.0.0.1:5000")]
    [InlineData("--bogus", "1")]
    public void A_bad_option_is_named_in_the_error(string name, string value)
    {
        var error = Assert.Throws<UsageException>(() => ArgumentParser.Parse(["send", name, value]));
        Assert.Contains(name, error.Problem);
    }
}
