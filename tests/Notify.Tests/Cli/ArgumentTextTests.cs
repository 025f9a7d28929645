using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Notify.Cli;
using Notify.Cli.Arguments;
using Notify.Grpc.Admin.V1;

namespace Notify.Tests.Cli;

/// <summary>How notifyctl reads durations and times, and writes protobuf JSON for scripts.</summary>
public sealed class ArgumentTextTests
{
    [Theory]
    [InlineData("24h", 24 * 3600)]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("0", 0)]
    [InlineData("0.5s", 0.5)]
    [InlineData("01:00:00", 3600)]
    public void Durations_are_read_as_operators_write_them(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("24")]
    [InlineData("h")]
    [InlineData("-1h")]
    [InlineData("1 day")]
    [InlineData("")]
    public void Anything_else_is_not_a_duration(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Fact]
    public void A_time_is_an_iso_time_in_utc_or_a_duration_ago()
    {
        var now = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        Assert.True(InstantText.TryParse("2h", now, out var ago));
        Assert.Equal(now.AddHours(-2), ago);
        Assert.True(InstantText.TryParse("2026-11-24T10:00:00", now, out var unzoned));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), unzoned);
        Assert.True(InstantText.TryParse("2026-11-24T10:00:00+02:00", now, out var zoned));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero), zoned);
        Assert.False(InstantText.TryParse("yesterday", now, out _));
    }

    [Fact]
    public void Json_for_scripts_has_zeros_and_64_bit_counts_as_numbers()
    {
        var status = new SystemStatus
        {
            ObservedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero)),
            Channels =
            {
                new ChannelStatus
                {
                    Channel = "sms", Pending = 12_345_678_901, Dead = 0, OldestClaimableAge = Duration.FromTimeSpan(TimeSpan.FromSeconds(1.5)),
                    Workers = { new WorkerStatus { WorkerId = "w1", Pid = 42, Circuits = { new CircuitStatus { Provider = "twilio", State = "open" } } } },
                },
            },
        };

        var json = ProtoJson.ToNode(status);

        var channel = json["channels"]![0]!;
        Assert.Equal(12_345_678_901, channel["pending"]!.GetValue<long>());
        Assert.Equal(0, channel["dead"]!.GetValue<long>());
        Assert.Equal("1.500s", channel["oldestClaimableAge"]!.GetValue<string>());
        Assert.Equal("open", channel["workers"]![0]!["circuits"]![0]!["state"]!.GetValue<string>());
        Assert.Equal("2026-11-24T12:00:00Z", json["observedAt"]!.GetValue<string>());
        Assert.IsType<JsonArray>(channel["controls"]);
    }
}
