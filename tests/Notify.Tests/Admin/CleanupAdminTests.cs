using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Outbox.Retention;
using Notify.Tests.Retention;

namespace Notify.Tests.Admin;

/// <summary>RunCleanup: the retention cleaner run by an operator, its progress streamed.</summary>
public sealed class CleanupAdminTests(AdminFixture ingress) : IClassFixture<AdminFixture>
{
    [Fact]
    public async Task RunCleanup_streams_progress_then_done_with_the_totals_and_the_old_rows_are_gone()
    {
        var history = new RetentionHistory(ingress.Database);
        var old = new[] { await history.SeedAsync(TimeSpan.FromDays(40), "DELIVERED"), await history.SeedAsync(TimeSpan.FromDays(40), "DEAD") };
        var young = await history.SeedAsync(TimeSpan.FromDays(1), "DELIVERED");

        var messages = await RunAsync(new RunCleanupRequest { BatchSize = 1 }, "operator", "cleaner-cleo");

        var last = messages[^1];
        Assert.True(messages.Count >= 3, string.Join("\n", messages));
        Assert.All(messages[..^1], m => Assert.False(m.Done));
        Assert.Contains(messages[..^1], m => m.Phase == "archiving");
        Assert.Equal(("done", true, false), (last.Phase, last.Done, last.NotLeader));
        Assert.Equal((2L, 2L), (last.Deleted.Notifications, last.Archived.Notifications));
        Assert.NotNull(last.Duration);
        foreach (var id in old)
        {
            Assert.Equal(Notify.Outbox.Retention.TableCounts.Zero, await history.CountAsync(RetentionHistory.Live, id));
            Assert.Equal(1, (await history.CountAsync(RetentionHistory.Archive, id)).Notifications);
        }
        Assert.Equal(1, (await history.CountAsync(RetentionHistory.Live, young)).Notifications);
        Assert.Equal(["RunCleanup OK"], await ingress.AuditOfAsync("cleaner-cleo"));
    }

    [Fact]
    public async Task While_another_run_holds_the_lock_RunCleanup_answers_one_done_message_with_not_leader()
    {
        await using var connection = await ingress.Database.OpenConnectionAsync();
        await using (var take = connection.CreateCommand())
        {
            take.CommandText = $"SELECT pg_advisory_lock({RetentionCleaner.LockKey})";
            await take.ExecuteNonQueryAsync();
        }

        List<CleanupProgress> messages;
        try
        {
            messages = await RunAsync(new RunCleanupRequest(), "operator", "cleaner-lock");
        }
        finally
        {
            // A pooled connection keeps a session lock until its next use resets it: release it
            // now, or the other tests' runs of this class find the cleanup locked.
            await using var release = connection.CreateCommand();
            release.CommandText = $"SELECT pg_advisory_unlock({RetentionCleaner.LockKey})";
            await release.ExecuteNonQueryAsync();
        }

        var only = Assert.Single(messages);
        Assert.Equal((true, true), (only.Done, only.NotLeader));
    }

    [Fact]
    public async Task Out_of_range_values_name_the_field_and_a_viewer_may_not_run_it()
    {
        var invalid = await Assert.ThrowsAsync<RpcException>(() => RunAsync(new RunCleanupRequest { RetentionDays = -1, BatchSize = 50_001 }, "operator", "x"));
        var viewer = await Assert.ThrowsAsync<RpcException>(() => RunAsync(new RunCleanupRequest(), "viewer", "x"));

        Assert.Equal(["retention_days", "batch_size"], Infrastructure.Requests.ViolatedFields(invalid));
        Assert.Equal(StatusCode.PermissionDenied, viewer.StatusCode);
    }

    [Fact]
    public async Task Over_http_the_run_answers_its_progress_messages_as_json_ending_with_done()
    {
        using var http = ingress.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/cleanup:run")
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ingress.AdminCredentials.Token("operator"));

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        // One JSON object per line (newline-delimited JSON), as gRPC JSON transcoding streams them.
        var messages = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(messages.Count >= 2, body);
        Assert.All(messages[..^1], m => Assert.False(m.GetProperty("done").GetBoolean()));
        Assert.Equal(("done", true), (messages[^1].GetProperty("phase").GetString(), messages[^1].GetProperty("done").GetBoolean()));
    }

    private async Task<List<CleanupProgress>> RunAsync(RunCleanupRequest request, string role, string subject)
    {
        using var call = ingress.Admin.RunCleanup(request, ingress.AdminCredentials.Headers(role, subject));
        var messages = new List<CleanupProgress>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            messages.Add(message);
        }
        return messages;
    }
}
