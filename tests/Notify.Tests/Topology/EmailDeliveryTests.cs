using Notify.Grpc.V1;

namespace Notify.Tests.Topology;

/// <summary>
/// Email through the running topology: the email process sends through SendGrid first and
/// SMTP second, both served by the provider sandbox, and what a user would notice is asserted
/// through GetNotification and the sandbox's recording. Faults use the sandbox's deterministic
/// cycle: with 1 %, only the first request after the faults are set fails.
/// </summary>
public sealed class EmailDeliveryTests(EmailTopologyFixture topology) : IClassFixture<EmailTopologyFixture>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(topology.SettleAsync());

    public async ValueTask DisposeAsync() => await topology.ClearFaultsAsync();

    [Fact]
    public async Task An_email_is_sent_through_sendgrid_and_seen_by_the_sandbox_exactly_once()
    {
        var (notificationId, deliveryId) = await topology.SendEmailAsync("ada@example.com");

        var delivery = await topology.WaitForFinalAsync(notificationId);

        Assert.Equal(DeliveryStatus.Sent, delivery.Status);
        Assert.Equal("sendgrid", delivery.Provider);
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal(("sendgrid", "sent", 202), (attempt.Provider, attempt.Outcome, attempt.HttpStatus));
        var seen = Assert.Single(await topology.MessagesAsync("sendgrid", deliveryId));
        Assert.Equal(delivery.ProviderMessageId, seen.GetProperty("providerMessageId").GetString());
        Assert.Equal("ada@example.com", seen.GetProperty("recipient").GetString());
        Assert.Equal(1, seen.GetProperty("arrivals").GetInt32());
        Assert.Empty(await topology.MessagesAsync("smtp"));
        // The notification's trace (begun at the ingress) continues in the call to SendGrid.
        Assert.Matches($"^00-{await StoredTraceIdAsync(notificationId)}-[0-9a-f]{{16}}-0[01]$", seen.GetProperty("traceparent").GetString());
    }

    [Fact]
    public async Task A_transient_failure_of_both_providers_is_retried_then_sent()
    {
        await topology.SetFaultsAsync(new { provider = "sendgrid", serverErrorPercent = 1 });
        await topology.SetFaultsAsync(new { provider = "smtp", serverErrorPercent = 1 });
        var (notificationId, deliveryId) = await topology.SendEmailAsync("grace@example.com");

        var delivery = await topology.WaitForFinalAsync(notificationId);

        Assert.Equal(DeliveryStatus.Sent, delivery.Status);
        Assert.Equal("sendgrid", delivery.Provider);
        Assert.Equal(2, delivery.AttemptCount);
        Assert.Equal(
            [(1, "sendgrid", "retryable", "500"), (1, "smtp", "retryable", "451"), (2, "sendgrid", "sent", "")],
            delivery.Attempts.Select(a => (a.AttemptNumber, a.Provider, a.Outcome, a.ErrorCode)));
        Assert.Equal(1, Assert.Single(await topology.MessagesAsync("sendgrid", deliveryId)).GetProperty("arrivals").GetInt32());
        Assert.Empty(await topology.MessagesAsync("smtp", deliveryId));
    }

    [Fact]
    public async Task A_429_with_Retry_After_holds_sendgrid_back_until_it_has_passed()
    {
        const int retryAfterSeconds = 2;
        await topology.SetFaultsAsync(new { provider = "sendgrid", throttlePercent = 1, retryAfterSeconds });
        await topology.SetFaultsAsync(new { provider = "smtp", serverErrorPercent = 1 });
        var (notificationId, deliveryId) = await topology.SendEmailAsync("katherine@example.com");

        var delivery = await topology.WaitForFinalAsync(notificationId);

        Assert.Equal(DeliveryStatus.Sent, delivery.Status);
        var sendgrid = delivery.Attempts.Where(a => a.Provider == "sendgrid").ToList();
        Assert.Equal(2, sendgrid.Count);
        Assert.Equal(("retryable", 429, "429"), (sendgrid[0].Outcome, sendgrid[0].HttpStatus, sendgrid[0].ErrorCode));
        Assert.Equal("sent", sendgrid[1].Outcome);
        // The retry itself was due after 200 ms; SendGrid's next call waited for Retry-After.
        var gap = sendgrid[1].StartedAt.ToDateTime() - sendgrid[0].StartedAt.ToDateTime();
        Assert.True(gap >= TimeSpan.FromSeconds(retryAfterSeconds), $"SendGrid was called again after {gap.TotalMilliseconds:0} ms.");
        Assert.Single(await topology.MessagesAsync("sendgrid", deliveryId));
    }

    [Fact]
    public async Task A_permanent_rejection_is_dead_with_sendgrids_field_and_message_and_not_failed_over()
    {
        await topology.SetFaultsAsync(new { provider = "sendgrid", invalidRecipientPattern = "^nobody@" });
        var (notificationId, deliveryId) = await topology.SendEmailAsync("nobody@example.com");

        var delivery = await topology.WaitForFinalAsync(notificationId);

        Assert.Equal(DeliveryStatus.Dead, delivery.Status);
        Assert.Equal("sendgrid", delivery.Provider);
        Assert.Equal("personalizations.0.to.0.email", delivery.LastErrorCode);
        Assert.Equal("Does not contain a valid address.", delivery.LastErrorMessage);
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal(("sendgrid", "permanent", 400), (attempt.Provider, attempt.Outcome, attempt.HttpStatus));
        Assert.Empty(await topology.MessagesAsync("sendgrid", deliveryId));
        Assert.Empty(await topology.MessagesAsync("smtp", deliveryId));
    }

    [Fact]
    public async Task A_call_that_times_out_is_retried_and_the_ambiguous_first_send_is_visible_as_a_second_arrival()
    {
        // Both providers take the first message and then sit on the answer past the call timeout.
        await topology.SetFaultsAsync(new { provider = "sendgrid", timeoutPercent = 1, timeoutSeconds = 6 });
        await topology.SetFaultsAsync(new { provider = "smtp", timeoutPercent = 1, timeoutSeconds = 6 });
        var (notificationId, deliveryId) = await topology.SendEmailAsync("margaret@example.com");

        var delivery = await topology.WaitForFinalAsync(notificationId);

        Assert.Equal(DeliveryStatus.Sent, delivery.Status);
        Assert.Equal(
            [(1, "sendgrid", "timeout", "TIMEOUT"), (1, "smtp", "timeout", "TIMEOUT"), (2, "sendgrid", "sent", "")],
            delivery.Attempts.Select(a => (a.AttemptNumber, a.Provider, a.Outcome, a.ErrorCode)));
        // Delivery is at least once: the provider had accepted the message it then did not answer for.
        var seen = await topology.MessagesAsync("sendgrid", deliveryId);
        Assert.Equal([1, 2], seen.Select(m => m.GetProperty("arrival").GetInt32()));
        Assert.Equal(delivery.ProviderMessageId, seen[1].GetProperty("providerMessageId").GetString());
    }

    [Fact]
    public async Task During_a_sendgrid_outage_mail_goes_out_by_smtp_and_sendgrid_is_left_alone_until_its_break_ends()
    {
        await topology.SetFaultsAsync(new { provider = "sendgrid", outageUntil = DateTimeOffset.UtcNow.AddHours(1) });

        // The first failures go to SendGrid, then on to SMTP in the same attempt.
        var failedOver = new List<Notify.Grpc.V1.Delivery>();
        for (var i = 0; i < EmailTopologyFixture.CircuitFailures; i++)
        {
            var (id, _) = await topology.SendEmailAsync($"outage{i}@example.com");
            failedOver.Add(await topology.WaitForFinalAsync(id));
        }
        // SendGrid's circuit is open now: the next email does not try it at all.
        var (openId, openDeliveryId) = await topology.SendEmailAsync("outage-open@example.com");
        var whileOpen = await topology.WaitForFinalAsync(openId);

        Assert.All(failedOver, d =>
        {
            Assert.Equal(DeliveryStatus.Sent, d.Status);
            Assert.Equal("smtp", d.Provider);
            Assert.Equal(1, d.AttemptCount);
            Assert.Equal([("sendgrid", "retryable", 503), ("smtp", "sent", 250)], d.Attempts.Select(a => (a.Provider, a.Outcome, a.HttpStatus)));
        });
        Assert.Equal(DeliveryStatus.Sent, whileOpen.Status);
        Assert.Equal([("smtp", "sent")], whileOpen.Attempts.Select(a => (a.Provider, a.Outcome)));
        var seen = Assert.Single(await topology.MessagesAsync("smtp", openDeliveryId));
        Assert.Equal($"{openDeliveryId}@notify.example", whileOpen.ProviderMessageId);
        // The message's traceparent header continues the notification's trace, as SendGrid's request does.
        Assert.Matches($"^00-{await StoredTraceIdAsync(openId)}-[0-9a-f]{{16}}-0[01]$", seen.GetProperty("traceparent").GetString());
        Assert.Equal(whileOpen.ProviderMessageId, seen.GetProperty("providerMessageId").GetString());
        Assert.Equal(EmailTopologyFixture.CircuitFailures, await topology.RejectedAsync("sendgrid"));
        Assert.Empty(await topology.MessagesAsync("sendgrid"));

        // SendGrid recovers; once the break is over its probe succeeds and it is first again.
        await topology.ClearFaultsAsync();
        var opened = failedOver[^1].Attempts[0].StartedAt.ToDateTime();
        var untilBreakEnds = opened + EmailTopologyFixture.CircuitBreak + TimeSpan.FromSeconds(1) - DateTime.UtcNow;
        if (untilBreakEnds > TimeSpan.Zero)
        {
            await Task.Delay(untilBreakEnds);
        }
        var (recoveredId, recoveredDeliveryId) = await topology.SendEmailAsync("outage-recovered@example.com");
        var recovered = await topology.WaitForFinalAsync(recoveredId);

        Assert.Equal(DeliveryStatus.Sent, recovered.Status);
        Assert.Equal("sendgrid", recovered.Provider);
        Assert.Single(await topology.MessagesAsync("sendgrid", recoveredDeliveryId));
    }

    [Fact]
    public async Task With_both_providers_down_the_circuits_open_claiming_stops_and_recovery_delivers_everything_once()
    {
        var until = DateTimeOffset.UtcNow.AddHours(1);
        await topology.SetFaultsAsync(new { provider = "sendgrid", outageUntil = until });
        await topology.SetFaultsAsync(new { provider = "smtp", outageUntil = until });
        var sent = new List<(string NotificationId, string DeliveryId)>();
        for (var i = 0; i < 6; i++)
        {
            sent.Add(await topology.SendEmailAsync($"down{i}@example.com"));
        }

        // Each provider fails CircuitFailures calls in a row, then both circuits are open.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await topology.RejectedAsync("smtp") < EmailTopologyFixture.CircuitFailures && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await Task.Delay(1_000); // within the break: time for more calls, were the circuits not open
        var whileOpen = await Task.WhenAll(sent.Select(s => topology.DeliveryAsync(s.NotificationId)));

        Assert.Equal(EmailTopologyFixture.CircuitFailures, await topology.RejectedAsync("sendgrid"));
        Assert.Equal(EmailTopologyFixture.CircuitFailures, await topology.RejectedAsync("smtp"));
        Assert.Equal(EmailTopologyFixture.CircuitFailures, whileOpen.Sum(d => d.AttemptCount));
        Assert.All(whileOpen, d => Assert.NotEqual(DeliveryStatus.Sent, d.Status));
        Assert.True(whileOpen.Count(d => d.AttemptCount == 0) >= whileOpen.Length - EmailTopologyFixture.CircuitFailures);
        Assert.All(whileOpen.SelectMany(d => d.Attempts), a => Assert.Contains(a.ErrorCode, new[] { "503", "421" }));

        // Both recover; after the break a probe closes each circuit and every email goes out once.
        await topology.ClearFaultsAsync();
        var recovered = await Task.WhenAll(sent.Select(s => topology.WaitForFinalAsync(s.NotificationId)));

        Assert.All(recovered, d => Assert.Equal(DeliveryStatus.Sent, d.Status));
        foreach (var (_, deliveryId) in sent)
        {
            var arrivals = (await topology.MessagesAsync("sendgrid", deliveryId)).Concat(await topology.MessagesAsync("smtp", deliveryId));
            Assert.Equal(1, Assert.Single(arrivals).GetProperty("arrivals").GetInt32());
        }
        // One successful attempt each, plus only the failures that opened the circuits.
        Assert.Equal(EmailTopologyFixture.CircuitFailures + sent.Count, recovered.Sum(d => d.AttemptCount));
    }

    [Fact]
    public async Task Neither_the_email_process_nor_the_sandbox_logged_an_error()
    {
        var (notificationId, _) = await topology.SendEmailAsync("quiet@example.com");
        Assert.Equal(DeliveryStatus.Sent, (await topology.WaitForFinalAsync(notificationId)).Status);

        var errors = topology.Logs
            .Where(l => l.Source is "email" or "sandbox")
            .Where(l => l.Text.Contains("fail:", StringComparison.Ordinal) || l.Text.Contains("crit:", StringComparison.Ordinal))
            .ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>The trace id of the ingress span the notification stored (its <c>traceparent</c>).</summary>
    private async Task<string> StoredTraceIdAsync(string notificationId)
    {
        await using var database = Npgsql.NpgsqlDataSource.Create(topology.App.GetConnectionString("notifydb"));
        await using var query = database.CreateCommand("SELECT traceparent FROM notify.notifications WHERE id = @id");
        query.Parameters.AddWithValue("id", Guid.Parse(notificationId));
        return ((string)(await query.ExecuteScalarAsync())!).Split('-')[1];
    }
}
