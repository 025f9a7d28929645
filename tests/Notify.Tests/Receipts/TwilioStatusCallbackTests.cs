using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Notify.Outbox;
using Notify.Receipts;
using Notify.Sms.Receipts;
using Notify.Sms.Twilio;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Receipts;

/// <summary>Twilio's signed status callbacks as the SMS process receives them.</summary>
public sealed class TwilioStatusCallbackTests(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private const string Token = "current-auth-token";
    private const string PreviousToken = "previous-auth-token";
    private OutboxDatabase _database = null!;
    private ReceiptTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await OutboxDatabase.CreateAsync(infrastructure);
        _host = await ReceiptTestHost.StartAsync(_database, new Dictionary<string, string?>
        {
            ["Notify:Sms:Twilio:AccountSid"] = "AC" + new string('a', 32),
            ["Notify:Sms:Twilio:AuthToken"] = Token,
            ["Notify:Sms:Twilio:PreviousAuthToken"] = PreviousToken,
            ["Notify:Sms:Twilio:From"] = "+15005550006",
        }, builder =>
        {
            builder.Services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.SectionName);
            builder.AddSmsReceipts();
        }, app => app.MapSmsReceipts());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public void Twilios_published_test_vector_verifies_and_a_changed_parameter_does_not()
    {
        var callback = new TwilioStatusCallback(Options.Create(new TwilioOptions { AuthToken = "12345" }));
        const string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        const string form = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";

        Assert.True(callback.Verify(Request(url, form, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).IsAccepted);
        Assert.True(callback.Verify(Request("https://mycompany.com:443/myapp.php?foo=1&bar=2", form, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).IsAccepted);
        Assert.Equal(RefusalReasons.BadSignature, callback.Verify(Request(url, form.Replace("1234&", "1235&", StringComparison.Ordinal), "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).RefusalReason);
        Assert.Equal(RefusalReasons.BadSignature, callback.Verify(Request(url.Replace("bar=2", "bar=3", StringComparison.Ordinal), form, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).RefusalReason);
    }

    [Fact]
    public async Task Delivered_moves_the_delivery_named_in_the_callback_url()
    {
        var id = await SentDeliveryAsync();

        var response = await PostAsync(Token, id, "delivered");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task Undelivered_fails_the_delivery_with_twilios_error_code()
    {
        var id = await SentDeliveryAsync();

        await PostAsync(Token, id, "undelivered", errorCode: "30003");

        Assert.Equal(DeliveryStatuses.Failed, await _database.StatusAsync(id));
        Assert.Equal("30003", await _database.ScalarAsync<string>("SELECT last_error_code FROM notify.deliveries WHERE id = @id", id));
    }

    [Fact]
    public async Task Error_21610_puts_the_number_on_the_suppression_list()
    {
        var id = await SentDeliveryAsync();

        await PostAsync(Token, id, "failed", errorCode: "21610");

        Assert.Equal("stop", await _database.ScalarAsync<string>(
            "SELECT s.reason FROM notify.suppressions s JOIN notify.deliveries d ON d.tenant_id = s.tenant_id " +
            "AND d.channel = s.channel AND d.recipient = s.address WHERE d.id = @id", id));
    }

    [Fact]
    public async Task A_callback_signed_with_the_previous_token_is_accepted_during_a_rotation()
    {
        var id = await SentDeliveryAsync();

        var response = await PostAsync(PreviousToken, id, "delivered");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
    }

    [Fact]
    public async Task A_wrong_token_a_moved_delivery_id_or_a_changed_status_is_refused_and_changes_nothing()
    {
        var id = await SentDeliveryAsync();
        var other = await SentDeliveryAsync();

        var wrongToken = await PostAsync("not-the-token", id, "undelivered", errorCode: "30003");
        var movedId = await PostAsync(Token, id, "undelivered", errorCode: "30003", sentTo: other);
        var changed = await PostAsync(Token, id, "delivered", sentStatus: "undelivered");

        Assert.All([wrongToken, movedId, changed], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(other));
        Assert.Equal(3L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM notify.receipt_events WHERE refusal_reason = 'bad_signature' AND provider = 'twilio' AND @id IS NOT NULL", id));
    }

    [Fact]
    public async Task The_same_callback_twice_is_acknowledged_and_applied_once()
    {
        var id = await SentDeliveryAsync();
        await PostAsync(Token, id, "undelivered", errorCode: "30003", idempotencyToken: "tok-1");
        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT' WHERE id = @id", id);

        var again = await PostAsync(Token, id, "undelivered", errorCode: "30003", idempotencyToken: "tok-1");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(DeliveryStatuses.Sent, await _database.StatusAsync(id));
    }

    /// <summary>
    /// A verified callback that cannot be written (the database is away) is 503 with Retry-After,
    /// so Twilio sends it again, never a 500; once the database is back the same callback applies.
    /// </summary>
    [Fact]
    public async Task A_callback_that_cannot_be_written_is_503_with_retry_after_and_applies_when_sent_again()
    {
        var id = await SentDeliveryAsync();
        var direct = new Npgsql.NpgsqlConnectionStringBuilder(_database.ConnectionString);
        await using var proxy = new TcpProxy(direct.Host!, direct.Port);
        await using var proxied = Npgsql.NpgsqlDataSource.Create(new Npgsql.NpgsqlConnectionStringBuilder(_database.ConnectionString)
        {
            Host = "127.0.0.1", Port = proxy.Port, Timeout = 2, CommandTimeout = 5,
        }.ConnectionString);
        await using var host = await ReceiptTestHost.StartAsync(_database, new Dictionary<string, string?>
        {
            ["Notify:Sms:Twilio:AccountSid"] = "AC" + new string('a', 32),
            ["Notify:Sms:Twilio:AuthToken"] = Token,
            ["Notify:Sms:Twilio:From"] = "+15005550006",
        }, builder =>
        {
            builder.Services.AddSingleton(proxied);
            builder.Services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.SectionName);
            builder.AddSmsReceipts();
        }, app => app.MapSmsReceipts());
        var idempotencyToken = Guid.NewGuid().ToString();

        proxy.Cut();
        var refused = await PostAsync(Token, id, "delivered", idempotencyToken: idempotencyToken, host: host);
        proxy.Restore();
        var again = await PostAsync(Token, id, "delivered", idempotencyToken: idempotencyToken, host: host);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(DeliveryStatuses.Delivered, await _database.StatusAsync(id));
    }

    private async Task<Guid> SentDeliveryAsync()
    {
        var id = await _database.SeedAsync(ChannelNames.Sms, "+14155550100");
        await _database.ExecuteAsync("UPDATE notify.deliveries SET status = 'SENT' WHERE id = @id", id);
        return id;
    }

    /// <summary>Posts a callback signed as Twilio would for <paramref name="id"/>; the <c>sent*</c> arguments change what arrives after signing.</summary>
    private async Task<HttpResponseMessage> PostAsync(string token, Guid id, string status, string? errorCode = null,
        string? idempotencyToken = null, Guid? sentTo = null, string? sentStatus = null, ReceiptTestHost? host = null)
    {
        host ??= _host;
        var signedUrl = $"{host.Address.ToString().TrimEnd('/')}{StatusCallbackUrl.Path}?delivery_id={id}";
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", "SM" + new string('b', 32)), new("MessageStatus", status), new("SmsStatus", status),
            new("AccountSid", "AC" + new string('a', 32)), new("To", "+14155550100"), new("From", "+15005550006"),
            new("ApiVersion", "2010-04-01"),
        };
        if (errorCode is not null)
        {
            parameters.Add(new("ErrorCode", errorCode));
        }
        var data = new StringBuilder(signedUrl);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }
        var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(data.ToString())));

        if (sentStatus is not null)
        {
            parameters = [.. parameters.Select(p => p.Key is "MessageStatus" or "SmsStatus" ? new(p.Key, sentStatus) : p)];
        }
        var url = $"{StatusCallbackUrl.Path}?delivery_id={sentTo ?? id}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
        request.Headers.Add(TwilioStatusCallback.SignatureHeader, signature);
        request.Headers.Add(TwilioStatusCallback.IdempotencyHeader, idempotencyToken ?? Guid.NewGuid().ToString());
        return await host.Client.SendAsync(request);
    }

    private static ReceiptRequest Request(string url, string form, string signature)
        => new(Encoding.UTF8.GetBytes(form), new HeaderDictionary { [TwilioStatusCallback.SignatureHeader] = signature }, new Uri(url));
}
