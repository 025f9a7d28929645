using Notify.Bench.Cli;
using Notify.Bench.Soak;
using Notify.Grpc.V1;

namespace Notify.Bench.Tests;

public sealed class SoakTests
{
    [Fact]
    public void Soak_defaults_to_ten_minutes_with_a_two_minute_memory_warm_up_sampled_every_five_seconds()
    {
        var options = ArgumentParser.Parse(["soak"]);

        Assert.Equal(ScenarioKind.Soak, options.Scenario);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Duration);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Warmup);
        Assert.Equal(TimeSpan.FromSeconds(5), options.SampleInterval);
        Assert.Equal(32, options.Concurrency);
        Assert.Null(options.OutputDirectory);
    }

    [Fact]
    public void Soak_takes_a_rate_sample_interval_and_output_folder()
    {
        var options = ArgumentParser.Parse(["soak", "--rate", "150", "--sample", "2s", "--out", "bench/soak/x"]);

        Assert.Equal(150, options.Rate);
        Assert.Equal(TimeSpan.FromSeconds(2), options.SampleInterval);
        Assert.Equal("bench/soak/x", options.OutputDirectory);
    }

    [Fact]
    public void A_steadily_growing_process_is_not_flat_and_a_steady_one_is()
    {
        // 10 minutes every 5 s: one process steady around 150 MiB, one growing 3 MiB a minute.
        var samples = Enumerable.Range(0, 121).SelectMany(i => new[]
        {
            new MemorySample(i * 5, "steady", 1, 150 + (i % 3), 20),
            new MemorySample(i * 5, "leaking", 2, 150 + i * 5 * 3 / 60.0, 20 + i * 5 / 60.0),
        }).ToList();

        var trends = SoakSummary.Memory(samples, warmupSeconds: 120, loadEndSeconds: 600).ToDictionary(t => t.Process);

        Assert.True(trends["steady"].Flat);
        Assert.False(trends["leaking"].Flat);
        Assert.Equal(3, trends["leaking"].RssSlopeMiBPerMinute, 3);
        Assert.Equal(1, trends["leaking"].HeapSlopeMiBPerMinute!.Value, 3);
        Assert.Equal(150, trends["leaking"].RssStartMiB);
        Assert.Equal(180, trends["leaking"].RssMaxMiB);
    }

    [Fact]
    public void Percentiles_take_the_nearest_rank()
    {
        var p = Percentiles.Of(Enumerable.Range(1, 100).Select(i => (double)i));

        Assert.Equal((100, 50.0, 95.0, 100.0), (p.Count, p.P50, p.P95, p.Max));
        Assert.Equal(0, Percentiles.Of([]).Count);
    }

    [Fact]
    public void The_mix_covers_every_channel_templates_batches_and_refused_recipients_on_each_channel()
    {
        var notifications = new SoakNotifications("test", new Uri("http://127.0.0.1:5000"));
        var requests = Enumerable.Range(0, 2_100).Select(_ => notifications.Next()).ToList();

        var byChannel = requests.SelectMany(r => r.Channels).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([Channel.Email, Channel.Sms, Channel.Whatsapp, Channel.Webhook, Channel.Push], byChannel.Keys.Order());
        Assert.All(byChannel.Values, count => Assert.InRange(count, 400, 600));
        Assert.Contains(requests, r => r.Channels.Count == 3);
        Assert.InRange(requests.Count(r => r.Template is not null), 50, 300);
        Assert.Equal(requests.Count, requests.Select(r => r.IdempotencyKey).Distinct().Count());

        // Refused recipients (the sandbox's invalid-recipient patterns) on every channel.
        var refused = requests.Where(r => r.Recipient.Email.StartsWith("reject.", StringComparison.Ordinal)).ToList();
        Assert.InRange(refused.Count, 90, 110);
        Assert.Equal(5, refused.SelectMany(r => r.Channels).Distinct().Count());
        Assert.All(refused, r => Assert.Matches(SoakNotifications.RejectPatterns["twilio"], r.Recipient.Phone));
        Assert.All(requests.Except(refused), r => Assert.DoesNotMatch(SoakNotifications.RejectPatterns["twilio"], r.Recipient.Phone));
    }
}
