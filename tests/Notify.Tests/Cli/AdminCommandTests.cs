using System.Text.Json;
using Notify.Tests.Retention;

namespace Notify.Tests.Cli;

/// <summary>
/// notifyctl's admin commands against a running topology, with the AppHost's development admin
/// token and replay secret from endpoints.json. Each asserts what changed in Notify, not only
/// what was printed.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class AdminCommandTests(CliTopologyFixture topology)
{
    [Fact]
    public async Task Status_shows_each_concern_and_its_json_has_the_numbers_of_the_database()
    {
        var tenant = await CliTenant.CreateAsync(topology);
        await tenant.DeadLettersAsync(topology, 1);

        var json = await topology.RunAsync("status", "--json");

        Assert.True(json.ExitCode == 0, json.ToString());
        var channels = json.Json.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!);
        Assert.Equal(["email", "push", "sms", "webhook", "whatsapp"], channels.Keys.Order());
        var dead = channels["whatsapp"].GetProperty("dead");
        Assert.Equal(JsonValueKind.Number, dead.ValueKind);
        Assert.Equal(await topology.ScalarAsync<long>("SELECT count(*) FROM notify.deliveries WHERE channel = 'whatsapp' AND status = 'DEAD'"), dead.GetInt64());
        Assert.Equal(JsonValueKind.Number, channels["sms"].GetProperty("pending").ValueKind);

        var human = await topology.RunAsync("status");

        Assert.True(human.ExitCode == 0, human.ToString());
        foreach (var title in new[] { "Queue", "Workers and circuits", "Dead letters", "No channel or provider is paused." })
        {
            Assert.Contains(title, human.Out);
        }
        Assert.Matches(@"whatsapp\W+\d+", human.Out);
    }

    [Fact]
    public async Task Status_watch_refreshes_until_cancelled_and_then_exits_0()
    {
        // Ctrl-C (the token) once the second refresh is out; the minute is only a guard against a hang.
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var refreshes = 0;

        var result = await CliRun.RunAsync(stop.Token, _ =>
        {
            if (Interlocked.Increment(ref refreshes) == 2)
            {
                stop.Cancel();
            }
        }, "--endpoints", topology.EndpointsFile, "status", "--watch", "1", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.Equal(5, JsonDocument.Parse(line).RootElement.GetProperty("channels").GetArrayLength()));
    }

    /// <summary>The runbooks' emergency stop: one command pauses every channel, one resumes them.</summary>
    [Fact]
    public async Task Pause_all_pauses_every_channel_and_resume_all_resumes_them()
    {
        var pause = await topology.RunAsync("channel", "pause", "all", "--reason", "cli test: emergency stop", "--json");
        try
        {
            Assert.True(pause.ExitCode == 0, pause.ToString());
            Assert.Equal(5, pause.Json.GetProperty("controls").GetArrayLength());
            Assert.Equal(5L, await topology.ScalarAsync<long>(
                "SELECT count(*) FROM notify.channel_controls WHERE provider = '' AND paused AND reason = 'cli test: emergency stop'"));
            var status = await topology.RunAsync("status", "--json");
            Assert.All(status.Json.GetProperty("channels").EnumerateArray(), c => Assert.True(c.GetProperty("paused").GetBoolean()));
        }
        finally
        {
            var resume = await topology.RunAsync("channel", "resume", "all", "--reason", "cli test: all clear");
            Assert.True(resume.ExitCode == 0, resume.ToString());
            Assert.Contains("Every channel is running", resume.Out);
        }
        Assert.Equal(0L, await topology.ScalarAsync<long>("SELECT count(*) FROM notify.channel_controls WHERE paused"));
    }

    [Fact]
    public async Task A_pause_is_in_the_database_shows_in_status_and_the_audit_log_and_a_resume_undoes_it()
    {
        var pause = await topology.RunAsync("channel", "pause", "push", "--provider", "apns", "--reason", "cli test: APNs incident");
        try
        {
            Assert.True(pause.ExitCode == 0, pause.ToString());
            Assert.Contains("Provider apns of channel push is paused", pause.Out);
            Assert.True(await topology.ScalarAsync<bool>(
                "SELECT paused FROM notify.channel_controls WHERE channel = 'push' AND provider = 'apns' AND reason = 'cli test: APNs incident'"));

            var status = await topology.RunAsync("status", "--json");
            var push = status.Json.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel").GetString() == "push");
            Assert.False(push.GetProperty("paused").GetBoolean());
            Assert.Contains(push.GetProperty("controls").EnumerateArray(), c => c.GetProperty("provider").GetString() == "apns" && c.GetProperty("paused").GetBoolean());
            var human = await topology.RunAsync("status");
            Assert.Contains("paused: apns", human.Out);
            Assert.Contains("cli test: APNs incident", human.Out);
        }
        finally
        {
            var resume = await topology.RunAsync("channel", "resume", "push", "--provider", "apns", "--reason", "cli test: recovered");
            Assert.True(resume.ExitCode == 0, resume.ToString());
        }
        Assert.False(await topology.ScalarAsync<bool>("SELECT paused FROM notify.channel_controls WHERE channel = 'push' AND provider = 'apns'"));

        var list = await topology.RunAsync("channel", "list", "--channel", "push", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var history = list.Json.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(["resume", "pause"], history.Take(2).Select(h => h.GetProperty("action").GetString()));
        Assert.Equal("cli test: APNs incident", history[1].GetProperty("reason").GetString());

        var audit = await topology.RunAsync("audit", "list", "--action", "PauseChannel", "--limit", "1", "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        var entry = Assert.Single(audit.Json.GetProperty("entries").EnumerateArray());
        Assert.Equal("dev", entry.GetProperty("actor").GetString());
        Assert.Equal("OK", entry.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Dead_letters_are_listed_shown_and_a_dry_run_replay_changes_nothing_while_a_confirmed_one_moves_them()
    {
        var tenant = await CliTenant.CreateAsync(topology);
        var ids = await tenant.DeadLettersAsync(topology, 2);

        var list = await topology.RunAsync("dlq", "list", "--tenant", tenant.Name, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(2, list.Json.GetProperty("total").GetInt64());
        var group = Assert.Single(list.Json.GetProperty("groups").EnumerateArray());
        Assert.Equal("131026", group.GetProperty("errorCode").GetString());
        Assert.Equal(2, group.GetProperty("count").GetInt64());

        var show = await topology.RunAsync("dlq", "show", ids[0]);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("Attempts", show.Out);
        Assert.Contains("131026", show.Out);
        Assert.Contains(tenant.Name, show.Out);
        Assert.DoesNotContain(CliTenant.UndeliverableWhatsApp, show.Out);

        var dryRun = await topology.RunAsync("dlq", "replay", "--tenant", tenant.Name, "--channel", "whatsapp", "--reason", "cli test INC-1");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("2 dead letter(s)", dryRun.Out);
        Assert.Contains("--confirm", dryRun.Out);
        Assert.Equal(2, await tenant.CountAsync(topology, "DEAD"));
        Assert.Equal(0, await topology.ScalarAsync<long>("SELECT count(*) FROM notify.replay_runs WHERE tenant_id = @tenant", ("tenant", tenant.Id)));

        // Paused, the replayed rows stay RETRYING where the test can see them (131026 would kill them again at once).
        Assert.Equal(0, (await topology.RunAsync("channel", "pause", "whatsapp", "--reason", "cli test: hold replays")).ExitCode);
        try
        {
            var key = "cli-" + Guid.NewGuid().ToString("N");
            var confirmed = await topology.RunAsync("dlq", "replay", "--tenant", tenant.Name, "--channel", "whatsapp", "--reason", "cli test INC-1",
                "--key", key, "--confirm", "--json");
            Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
            var response = confirmed.Json;
            Assert.Equal(2, response.GetProperty("count").GetInt32());
            Assert.False(response.GetProperty("dryRun").GetBoolean());
            Assert.True(response.GetProperty("runId").GetInt64() > 0);
            Assert.Equal(JsonValueKind.Number, response.GetProperty("dailyBudgetRemaining").ValueKind);
            Assert.Equal(0, await tenant.CountAsync(topology, "DEAD"));
            Assert.Equal(2, await tenant.CountAsync(topology, "RETRYING"));

            var again = await topology.RunAsync("dlq", "replay", "--tenant", tenant.Name, "--channel", "whatsapp", "--reason", "cli test INC-1",
                "--key", key, "--confirm");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains("was used before", again.Out);
            Assert.Equal(1, await topology.ScalarAsync<long>("SELECT count(*) FROM notify.replay_runs WHERE tenant_id = @tenant", ("tenant", tenant.Id)));
        }
        finally
        {
            Assert.Equal(0, (await topology.RunAsync("channel", "resume", "whatsapp", "--reason", "cli test: done")).ExitCode);
        }
    }

    [Fact]
    public async Task A_replay_by_ids_larger_than_max_is_refused_with_5_and_a_wrong_secret_with_4_both_changing_nothing()
    {
        var tenant = await CliTenant.CreateAsync(topology);
        var ids = await tenant.DeadLettersAsync(topology, 2);

        var oversized = await topology.RunAsync("dlq", "replay", "--tenant", tenant.Name, "--ids", string.Join(',', ids), "--max", "1",
            "--reason", "cli test", "--confirm");
        Assert.True(oversized.ExitCode == 5, oversized.ToString());
        Assert.Equal(2, await tenant.CountAsync(topology, "DEAD"));

        var endpoints = await EndpointsWithReplaySecretAsync("not-the-secret-not-the-secret-not-the-secret");
        try
        {
            var forged = await CliRun.RunAsync("--endpoints", endpoints, "dlq", "replay", "--tenant", tenant.Name, "--ids", ids[0],
                "--reason", "cli test", "--confirm");
            Assert.True(forged.ExitCode == 4, forged.ToString());
            Assert.Contains("Unauthenticated", forged.Error);
        }
        finally
        {
            File.Delete(endpoints);
        }
        Assert.Equal(2, await tenant.CountAsync(topology, "DEAD"));
        Assert.Equal(0, await topology.ScalarAsync<long>("SELECT count(*) FROM notify.replay_runs WHERE tenant_id = @tenant", ("tenant", tenant.Id)));
    }

    [Fact]
    public async Task A_new_tenants_key_is_printed_once_works_and_a_rotation_without_grace_leaves_only_the_new_one()
    {
        var name = "cli-" + Guid.NewGuid().ToString("N")[..10];

        var created = await topology.RunAsync("tenant", "create", name);

        Assert.True(created.ExitCode == 0, created.ToString());
        var key = System.Text.RegularExpressions.Regex.Match(created.Out, @"API key: (\S+)").Groups[1].Value;
        Assert.StartsWith("nfy_", key);
        Assert.Contains("shown only this once", created.Error);
        Assert.Equal(0, (await topology.RunAsync("--api-key", key, "template", "list")).ExitCode);

        var rotated = await topology.RunAsync("tenant", "rotate-key", name, "--grace", "0", "--json");
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        var newKey = rotated.Json.GetProperty("apiKey").GetString()!;
        Assert.NotEqual(key, newKey);
        Assert.Equal(0, (await topology.RunAsync("--api-key", newKey, "template", "list")).ExitCode);

        var list = await topology.RunAsync("tenant", "list", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var tenant = list.Json.GetProperty("tenants").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        var prefix = Assert.Single(tenant.GetProperty("activeKeyPrefixes").EnumerateArray()).GetString()!;
        Assert.StartsWith(prefix, newKey);

        var duplicate = await topology.RunAsync("tenant", "create", name);
        Assert.True(duplicate.ExitCode == 5, duplicate.ToString());
        Assert.Contains("AlreadyExists", duplicate.Error);
    }

    [Fact]
    public async Task Cleanup_run_archives_and_deletes_old_rows_and_reports_the_counts()
    {
        var history = new RetentionHistory(topology.Database);
        var old = await history.SeedAsync(TimeSpan.FromDays(40), "DELIVERED", "DEAD");
        var young = await history.SeedAsync(TimeSpan.FromDays(1), "DELIVERED");

        var result = await topology.RunAsync("cleanup", "run", "--retention-days", "30", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json;
        Assert.True(json.GetProperty("done").GetBoolean());
        Assert.True(json.GetProperty("deleted").GetProperty("deliveries").GetInt64() >= 2);
        Assert.True(json.GetProperty("archived").GetProperty("deliveries").GetInt64() >= 2);
        Assert.Equal(new(0, 0, 0, 0), await history.CountAsync(RetentionHistory.Live, old));
        Assert.Equal(new(1, 2, 2, 2), await history.CountAsync(RetentionHistory.Archive, old));
        Assert.Equal(new(1, 1, 1, 1), await history.CountAsync(RetentionHistory.Live, young));

        var again = await topology.RunAsync("cleanup", "run", "--retention-days", "30");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("delivery_attempts", again.Out);
        Assert.Contains("batch", again.Error);
    }

    [Fact]
    public async Task A_viewer_token_reads_the_status_but_a_pause_exits_4_and_changes_nothing()
    {
        var viewer = topology.Topology.Admin!.Mint("viewer", "cli-viewer");

        var status = await topology.RunAsync("--token", viewer, "status", "--json");
        var pause = await topology.RunAsync("--token", viewer, "channel", "pause", "webhook", "--reason", "cli test: not allowed");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.True(pause.ExitCode == 4, pause.ToString());
        Assert.Contains("PermissionDenied", pause.Error);
        Assert.Equal(0, await topology.ScalarAsync<long>("SELECT count(*) FROM notify.channel_control_events WHERE reason = 'cli test: not allowed'"));
    }

    [Fact]
    public async Task An_unknown_dead_letter_is_refused_with_5_and_not_found()
    {
        var result = await topology.RunAsync("dlq", "show", Guid.NewGuid().ToString(), "--json");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Equal("", result.Out);
        var error = JsonDocument.Parse(result.Error).RootElement.GetProperty("error");
        Assert.Equal(5, error.GetProperty("exitCode").GetInt32());
        Assert.StartsWith("NotFound", error.GetProperty("message").GetString());
    }

    /// <summary>A copy of the topology's endpoints file with another replay secret.</summary>
    private async Task<string> EndpointsWithReplaySecretAsync(string secret)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(topology.EndpointsFile))!;
        document["admin"]!["replayHmacSecret"] = secret;
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, document.ToJsonString());
        return path;
    }
}
