using System.Text.RegularExpressions;
using Notify.AppHost;
using Notify.Cli;
using Notify.Cli.Drill;

namespace Notify.Tests.Drill;

/// <summary>The drill's parts that need no topology: the plan, the recovery bookkeeping, the command line, the replica check.</summary>
public sealed class DrillPartsTests
{
    [Fact]
    public void Ten_thousand_messages_split_exactly_as_the_runbook_says()
    {
        var plan = new DrillPlan("20261124_120000", new DrillOptions());

        Assert.Equal(6_000, plan.CountOf(DrillPlan.WhatsApp));
        Assert.Equal(4_000, plan.CountOf(DrillPlan.Email));
        Assert.Equal(300, plan.InvalidOf(DrillPlan.WhatsApp));
        Assert.Equal(200, plan.InvalidOf(DrillPlan.Email));
        Assert.Equal(10_000, plan.Messages.Select(m => m.Recipient).Distinct().Count());
        Assert.Equal(10_000, plan.Messages.Select(plan.IdempotencyKey).Distinct().Count());
    }

    [Fact]
    public void The_sandbox_patterns_catch_exactly_the_planned_invalid_contacts()
    {
        var plan = new DrillPlan("20261124_120000", new DrillOptions { Messages = 2_000 });
        var other = new DrillPlan("20261124_120001", new DrillOptions { Messages = 2_000 });

        foreach (var channel in DrillPlan.Channels)
        {
            var pattern = new Regex(plan.InvalidRecipientPattern(channel));
            // The sandbox sees WhatsApp numbers as digits without '+'.
            string AsSent(PlannedMessage m) => channel == DrillPlan.WhatsApp ? m.Recipient.TrimStart('+') : m.Recipient;
            Assert.All(plan.Messages.Where(m => m.Channel == channel), m => Assert.Equal(m.Invalid, pattern.IsMatch(AsSent(m))));
            Assert.All(plan.Messages.Where(m => m.Channel == channel), m => Assert.Equal(m.Invalid, pattern.IsMatch(m.Recipient)));
        }
        // Another run's invalid emails are not this run's (two drills' patterns never overlap).
        Assert.DoesNotContain(other.Messages, m => m.Channel == DrillPlan.Email && new Regex(plan.InvalidRecipientPattern(DrillPlan.Email)).IsMatch(m.Recipient));
    }

    [Fact]
    public void A_held_delivery_counts_as_reaped_at_the_reap_and_one_the_dying_worker_completed_does_not()
    {
        var killedAt = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        var expiry = killedAt.UtcDateTime.AddSeconds(50);
        Guid reaped = Guid.NewGuid(), reclaimed = Guid.NewGuid(), resent = Guid.NewGuid(), completed = Guid.NewGuid(), held = Guid.NewGuid();
        var replica = new DrillReplica("email", 1, 42, "vm-42", new Uri("http://127.0.0.1:1/health/detail"));
        var tracker = new RecoveryTracker();
        tracker.Add(new KilledReplica(replica, killedAt,
            [.. new[] { reaped, reclaimed, resent, completed, held }.Select(id => new HeldDelivery(id, "email", 7, expiry))]));

        var observedAt = killedAt.AddSeconds(60);
        tracker.Observe(
        [
            new HeldState(reaped, "RETRYING", null, 7, "LOCK_EXPIRED", expiry.AddSeconds(3), expiry.AddSeconds(3)),
            new HeldState(reclaimed, "SENDING", "vm-43", 8, "LOCK_EXPIRED", expiry.AddSeconds(3.1), expiry.AddSeconds(3)),
            new HeldState(resent, "SENT", null, 8, null, expiry.AddSeconds(4), expiry.AddSeconds(2.5)),
            new HeldState(completed, "SENT", null, 7, null, killedAt.UtcDateTime.AddSeconds(0.2), killedAt.UtcDateTime),
            new HeldState(held, "SENDING", "vm-42", 7, null, killedAt.UtcDateTime, killedAt.UtcDateTime),
        ], observedAt);

        Assert.Equal([held], tracker.Pending);
        Assert.False(tracker.Done);
        var byId = tracker.Recovered.ToDictionary(r => r.Id);
        Assert.Equal(53, byId[reaped].SecondsAfterKill, 3);
        Assert.Equal(3, byId[reaped].SecondsAfterLeaseExpiry, 3);
        Assert.Equal(53.1, byId[reclaimed].SecondsAfterKill, 3);
        Assert.Equal(52.5, byId[resent].SecondsAfterKill, 3);   // the reap's next_attempt_at, not when it was sent again
        Assert.True(byId[resent].Reaped);
        Assert.False(byId[completed].Reaped);
    }

    [Fact]
    public async Task The_live_view_shows_the_plan_progress_per_worker_and_the_kill()
    {
        var writer = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(writer),
            Interactive = Spectre.Console.InteractionSupport.Yes,
            Ansi = Spectre.Console.AnsiSupport.No,
        });
        console.Profile.Width = 160;
        var settings = new ChannelSettings(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20), 10);
        DrillReplica Replica(string channel, int index, int pid) => new(channel, index, pid, $"vm-{pid}", new Uri($"http://127.0.0.1:{pid}/health/detail"));
        var target = new DrillTarget(new Uri("http://127.0.0.1:1"), "nfy_x", new Uri("http://127.0.0.1:2"), "Host=127.0.0.1",
            new Dictionary<string, IReadOnlyList<DrillReplica>>
            {
                ["email"] = [Replica("email", 0, 4100), Replica("email", 1, 4101)],
                ["whatsapp"] = [Replica("whatsapp", 0, 4200), Replica("whatsapp", 1, 4201)],
            },
            new Dictionary<string, ChannelSettings> { ["email"] = settings, ["whatsapp"] = settings with { RatePerSecond = 80 } });
        var plan = new DrillPlan("20261124_120000", new DrillOptions());
        var view = new DrillConsole(console);

        var answer = await view.RunAsync(async () =>
        {
            view.Planned(plan, target, DrillEstimate.For(plan, target), TimeSpan.FromMinutes(45));
            view.Seeding(10_000, 10_000);
            view.Progress(new DrillSnapshot(TimeSpan.FromSeconds(250), 10_000,
                new StatusCounts(10_000, 6_000, 400, 100, 3_000, 100, 0, 150, 0, 0, 0),
                new Dictionary<string, long> { ["vm-4101"] = 200 },
                [new WorkerCount("vm-4101", "email", 590, 559)]));
            view.Killed(new KilledReplica(target.Replicas["email"][1], DateTimeOffset.UtcNow, []));
            await Task.Yield();
            return 42;
        });

        var shown = writer.ToString();
        Assert.Equal(42, answer);
        Assert.Contains("10,000 messages, 6,000 WhatsApp and 4,000 email", shown);
        Assert.Contains("Expected duration: about", shown);
        Assert.Contains("email#1", shown);
        Assert.Contains("vm-4101", shown);
        Assert.Contains("559", shown);
        Assert.Contains("killed", shown);
        Assert.Contains("SIGKILL email#1 (pid 4101", shown);
    }

    [Theory]
    [InlineData("900", 900)]
    [InlineData("90s", 90)]
    [InlineData("20m", 1_200)]
    [InlineData("1h", 3_600)]
    [InlineData("00:45:00", 2_700)]
    public void Timeouts_are_read_in_the_forms_people_type(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DrillCommand.ParseTimeout(text));
    }

    [Fact]
    public void A_timeout_that_is_not_a_duration_is_a_usage_error()
    {
        var error = Assert.Throws<CliException>(() => DrillCommand.ParseTimeout("soon"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("--timeout 'soon'", error.Message);
    }

    [Fact]
    public async Task Bad_drill_options_exit_2_before_anything_is_sent()
    {
        Assert.Equal(ExitCodes.Usage, await NotifyCtl.RunAsync(["drill", "--kill-after", "1.5", "--api-key", "nfy_x"]));
        Assert.Equal(ExitCodes.Usage, await NotifyCtl.RunAsync(["drill", "--messages", "10", "--api-key", "nfy_x"]));
        Assert.Contains(new DrillOptions { KillAfter = 1.5 }.Problems(), p => p.Contains("--kill-after must be a fraction between 0 and 1"));
        Assert.Contains(new DrillOptions { Messages = 10 }.Problems(), p => p.Contains("--messages must be from 100"));
        Assert.Empty(new DrillOptions().Problems());
    }

    [Fact]
    public async Task A_topology_with_one_replica_per_channel_is_refused_with_how_to_start_two()
    {
        var one = new Dictionary<string, IReadOnlyList<(int, Uri)>>
        {
            ["email"] = [(4242, new Uri("http://127.0.0.1:1/health/detail"))],
            ["whatsapp"] = [(4343, new Uri("http://127.0.0.1:2/health/detail"))],
        };

        var error = await Assert.ThrowsAsync<CliException>(() => DrillTarget.DiscoverAsync(
            new Uri("http://127.0.0.1:3"), "nfy_key", new Uri("http://127.0.0.1:4"), "Host=127.0.0.1", one, new HttpClient(), CancellationToken.None));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("email ×1, whatsapp ×1", error.Message);
        Assert.Contains("scripts/run.sh --replicas email=2,whatsapp=2", error.Message);
    }

    [Fact]
    public async Task An_endpoints_file_with_one_replica_per_channel_exits_2()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """
            {"developmentApiKey":"nfy_x","connectionStrings":{"notifydb":"Host=127.0.0.1;Port=1"},
             "resources":{
               "ingress":{"pids":[1],"endpoints":{"grpc":"http://127.0.0.1:1","http":"http://127.0.0.1:2"}},
               "email":{"pids":[11],"endpoints":{"http":"http://127.0.0.1:11"},"healthDetail":"http://127.0.0.1:11/health/detail"},
               "whatsapp":{"pids":[12],"endpoints":{"http":"http://127.0.0.1:12"},"healthDetail":"http://127.0.0.1:12/health/detail"},
               "sandbox":{"pids":[13],"endpoints":{"http":"http://127.0.0.1:13"}}}}
            """);
        try
        {
            Assert.Equal(ExitCodes.Usage, await NotifyCtl.RunAsync(["drill", "--endpoints", file, "--json"]));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_AppHost_takes_replicas_per_channel_and_keeps_the_default_for_the_rest()
    {
        var options = NotifyAppModelOptions.FromArgs(["--replicas", "email=2,whatsapp=3", "--no-prometheus"]);

        Assert.Equal(2, options.ReplicasOf("email"));
        Assert.Equal(3, options.ReplicasOf("whatsapp"));
        Assert.Equal(1, options.ReplicasOf("sms"));
        Assert.Equal(2, (options with { ChannelReplicas = 2 }).ReplicasOf("push"));
    }

    [Theory]
    [InlineData("pigeon=2", "CHANNEL one of email, sms, whatsapp, webhook, push")]
    [InlineData("email=0", "from 1 to 8")]
    [InlineData("email=two", "not 'two'")]
    [InlineData("email", "is not CHANNEL=COUNT")]
    public void Bad_replica_arguments_name_what_is_wrong(string value, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => NotifyAppModelOptions.FromArgs(["--replicas", value]));

        Assert.Contains(message, error.Message);
    }
}
