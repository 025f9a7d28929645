using Notify.Bench.Cli;
using Notify.Bench.Reporting;
using Notify.Bench.Scenarios;
using Notify.Bench.SelfTest;
using Notify.Bench.Targeting;

namespace Notify.Bench.Tests;

/// <summary>Whole runs against the in-process fake server, as <c>--self-test</c> does them.</summary>
public sealed class SelfTestRunTests
{
    private static readonly MachineInfo Machine = MachineInfo.Read();

    private static async Task<BenchReport> RunAsync(TimeSpan delay, params string[] args)
    {
        var options = ArgumentParser.Parse([.. args, "--self-test"]);
        await using var server = await FakeNotifyServer.StartAsync(delay);
        return await BenchRun.RunAsync(options, server.Target, Machine, TextWriter.Null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Send_batch_counts_every_notification_of_every_call()
    {
        var report = await RunAsync(TimeSpan.Zero, "send-batch", "--batch", "10", "--concurrency", "2", "--warmup", "200ms", "--duration", "1s");

        Assert.Empty(report.Errors);
        Assert.True(report.Calls > 0);
        Assert.Equal(report.Calls * 10, report.NotificationsAccepted);
        Assert.Equal(report.NotificationsAccepted, report.DeliveriesAccepted);
        Assert.Equal(0, report.Replayed);
        Assert.Equal(report.Calls, report.Latency.Count);
    }

    [Fact]
    public async Task A_paced_run_never_sends_faster_than_its_rate()
    {
        // Whether a rate is *held* depends on the machine, which is a benchmark's business;
        // that the pacer never runs ahead of its schedule does not.
        var report = await RunAsync(TimeSpan.Zero, "send", "--rate", "200", "--concurrency", "8", "--warmup", "200ms", "--duration", "2s");

        Assert.True(report.Calls > 0);
        Assert.True(report.CallsPerSecond <= 200 * 1.05, $"sent {report.CallsPerSecond}/s against a rate of 200/s");
        Assert.Empty(report.Errors);
    }

    [Fact]
    public async Task A_paced_run_charges_queueing_to_latency_when_the_server_cannot_keep_up()
    {
        // One caller and a 50 ms server can do 20 calls/s; 100/s are due, so calls queue.
        var report = await RunAsync(TimeSpan.FromMilliseconds(50), "send", "--rate", "100", "--concurrency", "1", "--warmup", "0s", "--duration", "500ms");

        Assert.True(report.ServiceTime!.P50Ms >= 45, $"service p50 was {report.ServiceTime.P50Ms} ms for a 50 ms server");
        Assert.True(report.Latency.P99Ms > 1_000, $"p99 from due time was {report.Latency.P99Ms} ms");
    }

    [Fact]
    public async Task A_wrong_key_stops_the_run_before_it_starts()
    {
        var options = ArgumentParser.Parse(["send", "--self-test", "--duration", "1s"]);
        await using var server = await FakeNotifyServer.StartAsync(TimeSpan.Zero);
        var wrongKey = server.Target with { ApiKey = "nfy_wrong" };

        var error = await Assert.ThrowsAsync<PreflightFailedException>(() =>
            BenchRun.RunAsync(options, wrongKey, Machine, TextWriter.Null, TestContext.Current.CancellationToken));
        Assert.Contains("Unauthenticated", error.Message);
    }
}
