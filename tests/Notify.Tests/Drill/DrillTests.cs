using System.Text.Json;
using Notify.Cli.Drill;
using Spectre.Console;

namespace Notify.Tests.Drill;

/// <summary>
/// The crash drill CI runs: 1,000 messages against a real topology with two replicas of email
/// and whatsapp, one of each SIGKILLed when 30 % are done. It must pass, and its evidence file
/// must carry the runbook's fields and what the sandbox saw.
/// </summary>
public sealed class DrillTests(DrillTopologyFixture topology) : IClassFixture<DrillTopologyFixture>
{
    [Fact]
    public async Task The_1000_message_drill_passes_and_its_evidence_file_has_the_runbooks_fields()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var target = await topology.DrillTargetAsync(http);
        var output = Path.Combine(Path.GetTempPath(), "notify-drill-" + Guid.NewGuid().ToString("N")[..8]);
        var log = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(log), Interactive = InteractionSupport.No });
        var options = new DrillOptions { Messages = 1_000, KillAfter = 0.3, OutputDirectory = output, Timeout = TimeSpan.FromMinutes(6) };

        var result = await new DrillRunner(target, options, new DrillConsole(console)).RunAsync(TestContext.Current.CancellationToken);

        var evidence = result.Evidence;
        // What CI shows for this drill: its progress lines and the evidence.
        TestContext.Current.TestOutputHelper?.WriteLine(log + Environment.NewLine + evidence.ToJson());
        Assert.True(evidence.Passed, string.Join("\n", evidence.Criteria.Select(c => $"{c.Name}: {(c.Passed ? "PASS" : "FAIL")} {c.Detail}")) + "\n" + log);
        Assert.Equal(1_000, evidence.Counts.Total);
        Assert.Equal(0, evidence.Counts.Unfinished);
        Assert.Equal(50, evidence.Counts.Dead);     // exactly the planned invalid contacts, nothing else died
        Assert.Equal(600, evidence.CountsByChannel["whatsapp"].Total);
        Assert.True(evidence.Kill.InFlightTotal > 0, "the killed replicas held nothing: the drill proved nothing");
        Assert.Equal(2, evidence.Kill.Replicas.Count);
        Assert.All(evidence.Sandbox.Values, s => Assert.True(s.FirstArrivalsThrottled > 0));
        Assert.Equal(950, evidence.Sandbox.Values.Sum(s => s.Accepted));
        Assert.Contains("SIGKILL", log.ToString());

        // The file says the same, with the runbook's names.
        Assert.Equal($"drill_evidence_{evidence.DrillId["notify-drill-".Length..]}.json", Path.GetFileName(result.EvidencePath));
        using var file = JsonDocument.Parse(await File.ReadAllTextAsync(result.EvidencePath));
        var root = file.RootElement;
        Assert.Equal(1_000, root.GetProperty("counts").GetProperty("total").GetInt64());
        foreach (var status in new[] { "pending", "sending", "sent", "delivered", "retrying", "failed", "dead", "skipped" })
        {
            Assert.True(root.GetProperty("counts").TryGetProperty(status, out _), status);
        }
        Assert.Equal(0, root.GetProperty("duplicates_detected").GetInt64());
        Assert.Equal(0, root.GetProperty("stuck_sending_count").GetInt64());
        Assert.True(root.GetProperty("webhook_stats").GetProperty("total_received").GetInt64() > 0);
        Assert.True(root.GetProperty("webhook_stats").TryGetProperty("rejection_rate_pct", out _));
        var reaper = root.GetProperty("reaper_stats");
        Assert.Equal(evidence.Kill.InFlightTotal,
            reaper.GetProperty("recovered_by_reaper").GetInt32() + reaper.GetProperty("completed_by_killed_worker").GetInt32());
        Assert.InRange(reaper.GetProperty("max_recovery_time_seconds").GetDouble(), 0, reaper.GetProperty("bound_seconds").GetDouble() + 1);
        Assert.Equal(7, reaper.GetProperty("bound_seconds").GetDouble());    // lease 6 s + reap every 1 s, read from /health/detail
        var workers = root.GetProperty("worker_distribution").EnumerateArray().ToList();
        Assert.Equal(4, workers.Count);
        Assert.Equal(2, workers.Count(w => w.GetProperty("killed").GetBoolean()));
        Assert.True(root.GetProperty("sandbox").GetProperty("whatsapp").TryGetProperty("delivered_more_than_once", out _));
        Assert.True(root.GetProperty("kill").TryGetProperty("in_flight_total", out _));
        Assert.Equal(950, root.GetProperty("accepted_by_provider").EnumerateObject().SelectMany(c => c.Value.EnumerateObject()).Sum(p => p.Value.GetInt64()));
        Assert.All(root.GetProperty("criteria").EnumerateArray(), c => Assert.True(c.GetProperty("passed").GetBoolean()));

        // The killed replicas are down and shown as exited; the topology runs on without them.
        foreach (var killed in evidence.Kill.Replicas)
        {
            var row = Assert.Single(topology.App.Describe(), r => r.Name == killed.Channel && r.Pid == killed.Pid);
            Assert.StartsWith("Exited", row.State);
        }
        Assert.Equal(2, DrillPlan.Channels.Sum(c => topology.App.GetProcesses(c).Count(p => p.IsRunning)));
        // The sandbox's faults are as before the drill (none).
        Assert.Equal("{}", await http.GetStringAsync(new Uri(target.Sandbox, "/sandbox/faults")));
        Directory.Delete(output, recursive: true);
    }
}
