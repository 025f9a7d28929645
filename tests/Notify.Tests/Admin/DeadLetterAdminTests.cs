using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Notify.Grpc.Admin.V1;
using Notify.Ingress.Admin.Replay;
using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Admin;

/// <summary>Dead letters through the admin API: listing, show, and replay with its signature, rate limit and rails.</summary>
public sealed class DeadLetterAdminTests(AdminFixture ingress) : IClassFixture<AdminFixture>
{
    private AdminCredentials Credentials => ingress.AdminCredentials;

    [Fact]
    public async Task Groups_and_one_dead_letter_are_listed_with_the_recipient_masked()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 2, errorCode: "550");
        var viewer = Credentials.Headers("viewer");

        var groups = await ingress.Admin.ListDeadLetterGroupsAsync(
            new ListDeadLetterGroupsRequest { Filter = new DeadLetterFilter { Tenant = tenant.Name } }, viewer);
        var shown = await ingress.Admin.GetDeadLetterAsync(new GetDeadLetterRequest { DeliveryId = dead[0].ToString() }, viewer);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.GetDeadLetterAsync(new GetDeadLetterRequest { DeliveryId = Guid.NewGuid().ToString() }, viewer).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.GetDeadLetterAsync(new GetDeadLetterRequest { DeliveryId = "not-an-id" }, viewer).ResponseAsync);

        var group = Assert.Single(groups.Groups);
        Assert.Equal((Notify.Grpc.V1.Channel.Email, "550", 2L), (group.Channel, group.ErrorCode, group.Count));
        Assert.Equal(2, groups.Total);
        Assert.Equal((tenant.Id.ToString(), tenant.Name), (shown.TenantId, shown.TenantName));
        Assert.Equal(Notify.Grpc.V1.DeliveryStatus.Dead, shown.Delivery.Status);
        Assert.Equal("u***@example.com", shown.Delivery.RecipientMasked);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(["delivery_id"], Requests.ViolatedFields(malformed));
    }

    [Fact]
    public async Task A_confirmed_replay_with_a_valid_signature_moves_the_dead_letters_back_and_reports_the_budget()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 3);
        var request = Replay(tenant, confirm: true, ids: dead);

        var response = await ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request, subject: "op-replayer"));

        Assert.Equal((3, false, false), (response.Count, response.DryRun, response.Repeated));
        Assert.True(response.RunId > 0);
        Assert.Equal((10_000L - 3, 100_000L - 3), (response.DailyBudgetRemaining, response.MonthlyBudgetRemaining));
        Assert.Equal(3, await ingress.CountStatusAsync(tenant.Id, "RETRYING"));
        Assert.Equal(0, await ingress.CountStatusAsync(tenant.Id, "DEAD"));
        Assert.Equal(["ReplayDeadLetters OK"], await ingress.AuditOfAsync("op-replayer"));
    }

    [Fact]
    public async Task A_replay_without_a_signature_or_with_a_wrong_or_stale_one_is_unauthenticated_with_nothing_changed()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 2);
        var before = await ingress.SnapshotAsync(tenant.Id);
        var request = Replay(tenant, confirm: true, ids: dead);
        var unsigned = Credentials.Headers("operator", "sig-tester");
        var wrongSecret = Credentials.ReplayHeaders(request, subject: "sig-tester", secret: new string('x', 40));
        var stale = Credentials.ReplayHeaders(request, subject: "sig-tester", at: DateTimeOffset.UtcNow.AddSeconds(-301));
        var otherBody = Credentials.ReplayHeaders(Replay(tenant, confirm: true, ids: dead[..1]), subject: "sig-tester");

        foreach (var headers in new[] { unsigned, wrongSecret, stale, otherBody })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ReplayDeadLettersAsync(request, headers).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        }

        Assert.Equal(before, await ingress.SnapshotAsync(tenant.Id));
        Assert.Equal(Enumerable.Repeat("ReplayDeadLetters UNAUTHENTICATED", 4), await ingress.AuditOfAsync("sig-tester"));
    }

    [Fact]
    public async Task A_dry_run_returns_the_count_changes_nothing_and_is_not_rate_limited()
    {
        var tenant = await ingress.CreateTenantAsync();
        await ingress.SeedDeadLettersAsync(tenant, 4);
        var before = await ingress.SnapshotAsync(tenant.Id);
        var request = Replay(tenant, confirm: false);

        for (var i = 0; i < 5; i++)
        {
            var response = await ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request));
            Assert.Equal((4, true, 0L), (response.Count, response.DryRun, response.RunId));
        }

        Assert.Equal(before, await ingress.SnapshotAsync(tenant.Id));
    }

    [Fact]
    public async Task Three_confirmed_replays_pass_and_the_fourth_within_five_minutes_is_resource_exhausted()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 4);

        for (var i = 0; i < 3; i++)
        {
            var request = Replay(tenant, confirm: true, ids: dead[i..(i + 1)]);
            Assert.Equal(1, (await ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request))).Count);
        }
        var fourth = Replay(tenant, confirm: true, ids: dead[3..]);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.ReplayDeadLettersAsync(fourth, Credentials.ReplayHeaders(fourth)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Matches(@"try again in \d+ s", error.Status.Detail);
        Assert.Equal(1, await ingress.CountStatusAsync(tenant.Id, "DEAD"));
    }

    [Fact]
    public async Task Over_http_a_signed_replay_works_and_the_fourth_is_429_with_retry_after()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 4);
        using var http = ingress.CreateHttpClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last?.Dispose();
            var json = $$"""{"tenant":"{{tenant.Name}}","deliveryIds":["{{dead[i]}}"],"confirm":true,"reason":"INC-HTTP"}""";
            last = await http.SendAsync(SignedPost(json));
            statuses.Add(last.StatusCode);
            if (i == 0)
            {
                using var body = JsonDocument.Parse(await last.Content.ReadAsStringAsync());
                Assert.Equal(1, body.RootElement.GetProperty("count").GetInt32());
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last!.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After: " + last.Headers.RetryAfter);
        Assert.Equal(1, await ingress.CountStatusAsync(tenant.Id, "DEAD"));
        last.Dispose();
    }

    [Fact]
    public async Task Over_http_a_signed_dry_run_by_filter_counts_with_proto_field_names_and_enum_names()
    {
        var tenant = await ingress.CreateTenantAsync();
        await ingress.SeedDeadLettersAsync(tenant, 2, errorCode: "421");
        await ingress.SeedDeadLettersAsync(tenant, 1, errorCode: "550");
        using var http = ingress.CreateHttpClient();
        var json = $$"""{"tenant":"{{tenant.Id}}","filter":{"channel":"CHANNEL_EMAIL","error_code":"421"},"reason":"INC-3 dry run"}""";

        using var response = await http.SendAsync(SignedPost(json));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((2, true), (body.RootElement.GetProperty("count").GetInt32(), body.RootElement.GetProperty("dryRun").GetBoolean()));
        Assert.Equal(3, await ingress.CountStatusAsync(tenant.Id, "DEAD"));
    }

    [Fact]
    public async Task Over_http_a_body_changed_after_signing_is_401_with_nothing_changed()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 1);
        var before = await ingress.SnapshotAsync(tenant.Id);
        using var http = ingress.CreateHttpClient();
        var signed = $$"""{"tenant":"{{tenant.Name}}","deliveryIds":["{{dead[0]}}"],"confirm":false,"reason":"INC-HTTP"}""";
        var sent = signed.Replace("\"confirm\":false", "\"confirm\":true", StringComparison.Ordinal);

        using var request = SignedPost(sent, signature: Credentials.Sign(Encoding.UTF8.GetBytes(signed)));
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, await ingress.SnapshotAsync(tenant.Id));
    }

    [Fact]
    public async Task A_replay_over_max_rows_is_failed_precondition_with_nothing_changed()
    {
        var tenant = await ingress.CreateTenantAsync();
        await ingress.SeedDeadLettersAsync(tenant, 3);
        var before = await ingress.SnapshotAsync(tenant.Id);
        var request = Replay(tenant, confirm: true);
        request.MaxRows = 2;

        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("3 dead letters match", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await ingress.SnapshotAsync(tenant.Id));
    }

    [Fact]
    public async Task The_same_replay_key_returns_the_first_result_and_another_request_with_it_is_already_exists()
    {
        var tenant = await ingress.CreateTenantAsync();
        var dead = await ingress.SeedDeadLettersAsync(tenant, 2);
        var key = "INC-" + Guid.NewGuid().ToString("N");
        var request = Replay(tenant, confirm: true, ids: dead);
        request.ReplayKey = key;
        var first = await ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request));
        await ingress.Database.CreateCommand($"UPDATE notify.deliveries SET status = 'DEAD' WHERE id = '{dead[0]}'").ExecuteNonQueryAsync();

        var again = await ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request));
        var other = Replay(tenant, confirm: true, ids: dead[..1]);
        other.ReplayKey = key;
        var reused = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ReplayDeadLettersAsync(other, Credentials.ReplayHeaders(other)).ResponseAsync);

        Assert.Equal((2, false), (first.Count, first.Repeated));
        Assert.Equal((2, true, first.RunId), (again.Count, again.Repeated, again.RunId));
        Assert.Equal(1, await ingress.CountStatusAsync(tenant.Id, "DEAD"));    // the repeat replayed nothing
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
    }

    [Fact]
    public async Task A_replay_past_the_daily_budget_is_resource_exhausted_with_nothing_changed()
    {
        var tenant = await ingress.CreateTenantAsync();
        await ingress.SeedDeadLettersAsync(tenant, 1);
        await using (var spent = ingress.Database.CreateCommand("""
            INSERT INTO notify.replay_runs (tenant_id, actor, reason, filter, count) VALUES (@tenant, 'earlier', 'INC-0', '{}', 10000)
            """))
        {
            spent.Parameters.AddWithValue("tenant", tenant.Id);
            await spent.ExecuteNonQueryAsync();
        }
        var before = await ingress.SnapshotAsync(tenant.Id);
        var request = Replay(tenant, confirm: true);

        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("daily replay budget", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await ingress.SnapshotAsync(tenant.Id));
    }

    [Fact]
    public async Task Bad_replay_requests_name_each_bad_field()
    {
        var tenant = await ingress.CreateTenantAsync();
        var request = new ReplayDeadLettersRequest
        {
            Tenant = tenant.Name,
            DeliveryIds = { "nope" },
            Filter = new DeadLetterFilter { Channel = Notify.Grpc.V1.Channel.Email },
            MaxRows = -1,
            ReplayKey = "two\nlines",
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => ingress.Admin.ReplayDeadLettersAsync(request, Credentials.ReplayHeaders(request)).ResponseAsync);
        var unknownTenant = new ReplayDeadLettersRequest { Tenant = "no-such-tenant", Filter = new(), Reason = "x" };
        var notFound = await Assert.ThrowsAsync<RpcException>(() =>
            ingress.Admin.ReplayDeadLettersAsync(unknownTenant, Credentials.ReplayHeaders(unknownTenant)).ResponseAsync);

        Assert.Equal(["delivery_ids[0]", "filter", "max_rows", "replay_key", "reason"], Requests.ViolatedFields(error));
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
    }

    private HttpRequestMessage SignedPost(string json, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/dead-letters:replay")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Credentials.Token("operator"));
        request.Headers.Add(ReplaySignature.Header, signature ?? Credentials.Sign(Encoding.UTF8.GetBytes(json)));
        return request;
    }

    private static ReplayDeadLettersRequest Replay(TestTenant tenant, bool confirm, IEnumerable<Guid>? ids = null)
    {
        var request = new ReplayDeadLettersRequest { Tenant = tenant.Name, Confirm = confirm, Reason = "INC-42 mailbox outage" };
        if (ids is null)
        {
            request.Filter = new DeadLetterFilter { Channel = Notify.Grpc.V1.Channel.Email };
        }
        else
        {
            request.DeliveryIds.AddRange(ids.Select(id => id.ToString()));
        }
        return request;
    }
}
