using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Notify.Sandbox.Providers.Smtp;

namespace Notify.Tests.Sandbox;

/// <summary>The sandbox's SMTP server, driven by MailKit (the client Notify.Email uses) over a real socket.</summary>
public sealed class SmtpTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    [Fact]
    public async Task An_authenticated_submission_is_accepted_and_recorded_under_its_delivery_id_and_message_id()
    {
        var deliveryId = NewDeliveryId();
        using var client = await ConnectAsync();

        var answer = await client.SendAsync(Mail("ada@example.com", deliveryId));

        Assert.StartsWith("2.0.0 Ok: queued as", answer);
        var recorded = Assert.Single(await Sandbox.MessagesAsync("smtp", deliveryId));
        Assert.Equal("ada@example.com", recorded.GetProperty("recipient").GetString());
        Assert.Equal($"{deliveryId}@notify.test", recorded.GetProperty("providerMessageId").GetString());
        Assert.Equal(1, recorded.GetProperty("arrivals").GetInt32());
        Assert.Equal(1, (await Sandbox.StatsAsync("smtp")).GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task The_messages_traceparent_header_is_recorded()
    {
        var deliveryId = NewDeliveryId();
        const string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var client = await ConnectAsync();
        var mail = Mail("ada@example.com", deliveryId);
        mail.Headers.Add("traceparent", traceparent);

        var untraced = NewDeliveryId();
        await client.SendAsync(mail);
        await client.SendAsync(Mail("bob@example.com", untraced));

        Assert.Equal(traceparent, Assert.Single(await Sandbox.MessagesAsync("smtp", deliveryId)).GetProperty("traceparent").GetString());
        var other = Assert.Single(await Sandbox.MessagesAsync("smtp", untraced));
        Assert.True(!other.TryGetProperty("traceparent", out var none) || none.ValueKind == System.Text.Json.JsonValueKind.Null);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task Both_advertised_mechanisms_authenticate(string mechanism)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync(Sandbox.SmtpEndPoint.Address.ToString(), Sandbox.SmtpEndPoint.Port, SecureSocketOptions.None);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        var credentials = new System.Net.NetworkCredential(SandboxFixture.SmtpUser, SandboxFixture.SmtpPassword);
        SaslMechanism sasl = mechanism == "PLAIN" ? new SaslMechanismPlain(credentials) : new SaslMechanismLogin(credentials);

        await client.AuthenticateAsync(sasl);

        Assert.True(client.IsAuthenticated);
        await client.SendAsync(Mail("ada@example.com", NewDeliveryId()));
        Assert.Single(await Sandbox.MessagesAsync("smtp"));
    }

    [Fact]
    public async Task A_wrong_password_is_535_and_mail_without_authentication_is_refused_with_530()
    {
        using var client = new SmtpClient();
        await client.ConnectAsync(Sandbox.SmtpEndPoint.Address.ToString(), Sandbox.SmtpEndPoint.Port, SecureSocketOptions.None);

        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(SandboxFixture.SmtpUser, "wrong"));
        // MailKit raises the server's 530 as ServiceNotAuthenticatedException.
        var refused = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() => client.SendAsync(Mail("ada@example.com", NewDeliveryId())));

        Assert.StartsWith("5.7.0", refused.Message);
        Assert.Empty(await Sandbox.MessagesAsync("smtp"));
        // MailKit tries each advertised mechanism before giving up: every refusal is counted.
        Assert.True((await Sandbox.StatsAsync("smtp")).GetProperty("rejected").GetInt64() >= 1);
    }

    [Fact]
    public async Task One_connection_carries_several_messages_and_the_same_delivery_id_twice_is_a_duplicate()
    {
        var deliveryId = NewDeliveryId();
        using var client = await ConnectAsync();

        await client.SendAsync(Mail("ada@example.com", deliveryId));
        await client.NoOpAsync();
        await client.SendAsync(Mail("ada@example.com", deliveryId));
        await client.SendAsync(Mail("bob@example.com", NewDeliveryId()));

        var recorded = await Sandbox.MessagesAsync("smtp", deliveryId);
        Assert.Equal([1, 2], recorded.Select(m => m.GetProperty("arrival").GetInt32()));
        Assert.Equal(1, (await Sandbox.StatsAsync("smtp")).GetProperty("duplicates").GetInt64());
        Assert.Equal(3, (await Sandbox.StatsAsync("smtp")).GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task An_injected_throttle_or_server_error_is_451_and_the_connection_stays_usable()
    {
        await Sandbox.SetFaultsAsync(new { provider = "smtp", throttlePercent = 100, retryAfterSeconds = 7 });
        using var client = await ConnectAsync();

        var throttled = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Mail("ada@example.com", NewDeliveryId())));
        await Sandbox.SetFaultsAsync(new { provider = "smtp", serverErrorPercent = 100 });
        var failed = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Mail("ada@example.com", NewDeliveryId())));
        await Sandbox.SetFaultsAsync(new { provider = "smtp" });
        await client.SendAsync(Mail("ada@example.com", NewDeliveryId()));

        Assert.Equal(451, (int)throttled.StatusCode);
        Assert.Contains("7 seconds", throttled.Message);
        Assert.Equal(451, (int)failed.StatusCode);
        Assert.True(client.IsConnected);
        Assert.Single(await Sandbox.MessagesAsync("smtp"));
        Assert.Equal(2, (await Sandbox.StatsAsync("smtp")).GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task An_outage_is_421_and_the_server_closes_the_connection()
    {
        await Sandbox.SetFaultsAsync(new { provider = "smtp", outageUntil = Sandbox.Clock.GetUtcNow().AddMinutes(5) });
        using var client = await ConnectAsync();

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Mail("ada@example.com", NewDeliveryId())));

        Assert.Equal(421, (int)refused.StatusCode);
        Assert.False(client.IsConnected);
        Assert.Empty(await Sandbox.MessagesAsync("smtp"));
    }

    [Fact]
    public async Task A_recipient_matching_the_invalid_pattern_is_550_5_1_1()
    {
        await Sandbox.SetFaultsAsync(new { provider = "smtp", invalidRecipientPattern = "^nobody@" });
        using var client = await ConnectAsync();

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Mail("nobody@example.com", NewDeliveryId())));

        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, refused.ErrorCode);
        Assert.Contains("5.1.1", refused.Message);
        Assert.Empty(await Sandbox.MessagesAsync("smtp"));
        // The refused transaction was reset: the same connection sends the next message.
        await client.SendAsync(Mail("ada@example.com", NewDeliveryId()));
        Assert.Single(await Sandbox.MessagesAsync("smtp"));
    }

    [Fact]
    public async Task An_injected_timeout_records_the_message_then_withholds_the_answer()
    {
        await Sandbox.SetFaultsAsync(new { provider = "smtp", timeoutPercent = 100, timeoutSeconds = 30 });
        var deliveryId = NewDeliveryId();
        using var client = await ConnectAsync();

        var sending = client.SendAsync(Mail("ada@example.com", deliveryId));
        var recorded = false;
        for (var i = 0; i < 100 && !recorded; i++)
        {
            await Task.Delay(50);
            recorded = (await Sandbox.MessagesAsync("smtp", deliveryId)).Length == 1;
        }

        Assert.True(recorded, "The message was not recorded while its answer was withheld.");
        Assert.False(sending.IsCompleted);
        for (var i = 0; i < 100 && !sending.IsCompleted; i++)
        {
            Sandbox.Clock.Advance(TimeSpan.FromSeconds(31));
            await Task.WhenAny(sending, Task.Delay(50));
        }
        Assert.StartsWith("2.0.0", await sending);
    }

    [Fact]
    public async Task Data_is_dot_unstuffed_and_ends_only_at_a_lone_dot()
    {
        var wire = "Subject: dots\r\n\r\n..\r\n...leading\r\n.\r\nQUIT\r\n"u8.ToArray();
        await using var connection = new SmtpConnection(new MemoryStream(wire));

        var data = await connection.ReadDataAsync(1024, CancellationToken.None);
        var next = await connection.ReadLineAsync(CancellationToken.None);

        Assert.NotNull(data);
        Assert.False(data.TooLarge);
        Assert.Equal("Subject: dots\r\n\r\n.\r\n..leading\r\n", Encoding.UTF8.GetString(data.Message));
        Assert.Equal("QUIT", next?.Text);
    }

    [Fact]
    public async Task Rset_abandons_a_transaction_and_unknown_commands_are_500()
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(Sandbox.SmtpEndPoint);
        using var reader = new StreamReader(socket.GetStream(), Encoding.ASCII);
        var stream = socket.GetStream();
        async Task<string> Send(string line)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            string reply;
            do
            {
                reply = (await reader.ReadLineAsync())!;
            }
            while (reply.Length > 3 && reply[3] == '-');
            return reply;
        }
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{SandboxFixture.SmtpUser}\0{SandboxFixture.SmtpPassword}"));

        Assert.StartsWith("220 ", await reader.ReadLineAsync());
        Assert.StartsWith("250 ", await Send("EHLO client.test"));
        Assert.StartsWith("235 ", await Send("AUTH PLAIN " + plain));
        Assert.StartsWith("250 ", await Send("MAIL FROM:<noreply@notify.test>"));
        Assert.StartsWith("250 ", await Send("RCPT TO:<ada@example.com>"));
        Assert.StartsWith("250 ", await Send("RSET"));
        Assert.StartsWith("503 ", await Send("DATA"));
        Assert.StartsWith("500 ", await Send("FROB"));
        Assert.StartsWith("250 ", await Send("NOOP"));
        Assert.StartsWith("221 ", await Send("QUIT"));
        Assert.Empty(await Sandbox.MessagesAsync("smtp"));
    }

    private async Task<SmtpClient> ConnectAsync()
    {
        var client = new SmtpClient();
        await client.ConnectAsync(Sandbox.SmtpEndPoint.Address.ToString(), Sandbox.SmtpEndPoint.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(SandboxFixture.SmtpUser, SandboxFixture.SmtpPassword);
        return client;
    }

    private static MimeMessage Mail(string to, string deliveryId)
    {
        var message = new MimeMessage { Subject = "Hello", MessageId = $"{deliveryId}@notify.test" };
        message.From.Add(MailboxAddress.Parse("noreply@notify.test"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Headers.Add("X-Notify-Delivery-Id", deliveryId);
        message.Body = new TextPart("plain") { Text = "Line one\n.\nA line that starts with a dot.\n" };
        return message;
    }
}
