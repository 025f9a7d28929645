using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Notify.Sandbox;
using Notify.Sandbox.Faults;

namespace Notify.Tests.Sandbox;

/// <summary>
/// What the crash drill asks of the sandbox: the first arrival of a chosen share of messages
/// answered 429 (chosen by delivery id, the same ones whatever the order), and per-delivery
/// arrival counts to find messages delivered more than once.
/// </summary>
public sealed class DrillFaultTests(SandboxFixture sandbox) : SandboxTests(sandbox)
{
    private int Seed => Sandbox.Services.GetRequiredService<IOptions<SandboxOptions>>().Value.Seed;

    [Fact]
    public async Task SendGrid_throttles_the_first_arrival_of_the_chosen_messages_once_with_Retry_After()
    {
        await Sandbox.SetFaultsAsync(new { provider = "sendgrid", throttleFirstArrivalPercent = 10, retryAfterSeconds = 2 });
        var ids = Enumerable.Range(0, 200).Select(_ => NewDeliveryId()).ToList();
        var chosen = ids.Where(id => FaultInjector.Slot(Seed, id) < 10).ToHashSet();

        var first = await SendAllAsync(ids, SendGridAsync);
        var second = await SendAllAsync(ids, SendGridAsync);

        Assert.InRange(chosen.Count, 5, 40);
        Assert.Equal(chosen, first.Where(r => r.Value.StatusCode == HttpStatusCode.TooManyRequests).Select(r => r.Key).ToHashSet());
        Assert.All(first.Where(r => chosen.Contains(r.Key)), r => Assert.Equal(TimeSpan.FromSeconds(2), r.Value.Headers.RetryAfter?.Delta));
        Assert.All(first.Where(r => !chosen.Contains(r.Key)), r => Assert.Equal(HttpStatusCode.Accepted, r.Value.StatusCode));
        Assert.All(second, r => Assert.Equal(HttpStatusCode.Accepted, r.Value.StatusCode));
        var stats = await Sandbox.StatsAsync("sendgrid");
        Assert.Equal(chosen.Count, stats.GetProperty("firstArrivalsThrottled").GetInt64());
        Assert.Equal(chosen.Count, stats.GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task WhatsApp_chooses_by_delivery_id_so_the_same_messages_are_throttled_in_any_order()
    {
        await Sandbox.SetFaultsAsync(new { provider = "whatsapp", throttleFirstArrivalPercent = 30 });
        var ids = Enumerable.Range(0, 60).Select(_ => NewDeliveryId()).ToList();

        var forward = Throttled(await SendAllAsync(ids, WhatsAppAsync));
        // Setting the faults again starts over: every chosen message is "new" once more.
        await Sandbox.SetFaultsAsync(new { provider = "whatsapp", throttleFirstArrivalPercent = 30 });
        var backward = Throttled(await SendAllAsync(Enumerable.Reverse(ids).ToList(), WhatsAppAsync));

        Assert.NotEmpty(forward);
        Assert.Equal(forward, backward);
        Assert.Equal(ids.Where(id => FaultInjector.Slot(Seed, id) < 30).ToHashSet(), forward);
        var again = await SendAllAsync([.. forward], WhatsAppAsync);
        Assert.All(again, r => Assert.Equal(HttpStatusCode.OK, r.Value.StatusCode));
    }

    [Fact]
    public async Task Arrivals_list_how_often_each_delivery_was_accepted_and_whether_its_first_arrival_was_throttled()
    {
        var twice = NewDeliveryId();
        var once = NewDeliveryId();
        await SendGridAsync(twice);
        await SendGridAsync(twice);
        await SendGridAsync(once);
        await WhatsAppAsync(twice);

        var duplicates = await ArrivalsAsync("provider=sendgrid&minArrivals=2");
        var all = await ArrivalsAsync("");

        var duplicate = Assert.Single(duplicates);
        Assert.Equal(twice, duplicate.GetProperty("deliveryId").GetString());
        Assert.Equal(2, duplicate.GetProperty("arrivals").GetInt32());
        Assert.False(duplicate.GetProperty("throttledFirst").GetBoolean());
        Assert.Equal(3, all.Length);
        Assert.Contains(all, a => a.GetProperty("provider").GetString() == "whatsapp" && a.GetProperty("arrivals").GetInt32() == 1);
        Assert.Equal(HttpStatusCode.BadRequest, (await Sandbox.Client.GetAsync("/sandbox/arrivals?minArrivals=-1")).StatusCode);
    }

    [Fact]
    public async Task A_throttled_first_arrival_is_listed_with_no_accepted_arrival_until_it_comes_again()
    {
        await Sandbox.SetFaultsAsync(new { provider = "sendgrid", throttleFirstArrivalPercent = 100 });
        var id = NewDeliveryId();

        var first = await SendGridAsync(id);
        var listed = Assert.Single(await ArrivalsAsync("provider=sendgrid"));
        var second = await SendGridAsync(id);
        var after = Assert.Single(await ArrivalsAsync("provider=sendgrid"));

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(0, listed.GetProperty("arrivals").GetInt32());
        Assert.True(listed.GetProperty("throttledFirst").GetBoolean());
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(1, after.GetProperty("arrivals").GetInt32());
        Assert.Empty(await ArrivalsAsync("provider=sendgrid&minArrivals=2"));
    }

    [Theory]
    [InlineData("twilio", 10, "supported for sendgrid and whatsapp only")]
    [InlineData("sendgrid", 101, "between 0 and 100")]
    [InlineData("whatsapp", -1, "between 0 and 100")]
    public async Task First_arrival_throttles_are_refused_with_the_reason_where_they_cannot_apply(string provider, int percent, string reason)
    {
        var response = await Sandbox.Client.PostAsJsonAsync("/sandbox/faults", new { provider, throttleFirstArrivalPercent = percent });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        Assert.Equal("{}", await Sandbox.Client.GetStringAsync("/sandbox/faults"));
    }

    private static HashSet<string> Throttled(Dictionary<string, HttpResponseMessage> responses) =>
        responses.Where(r => r.Value.StatusCode == HttpStatusCode.TooManyRequests).Select(r => r.Key).ToHashSet();

    private static async Task<Dictionary<string, HttpResponseMessage>> SendAllAsync(List<string> ids, Func<string, Task<HttpResponseMessage>> send)
    {
        var responses = new Dictionary<string, HttpResponseMessage>();
        foreach (var id in ids)
        {
            responses[id] = await send(id);
        }
        return responses;
    }

    private async Task<JsonElement[]> ArrivalsAsync(string query)
    {
        var body = await Sandbox.Client.GetFromJsonAsync<JsonElement>("/sandbox/arrivals?" + query);
        return [.. body.GetProperty("arrivals").EnumerateArray()];
    }

    private Task<HttpResponseMessage> SendGridAsync(string deliveryId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send")
        {
            Content = new StringContent(SendGridTests.Mail("alex@example.com", deliveryId), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxFixture.SendGridKey);
        return Sandbox.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> WhatsAppAsync(string deliveryId)
    {
        var json = $$"""
            {"messaging_product":"whatsapp","recipient_type":"individual","to":"15551234567","type":"text",
             "text":{"preview_url":false,"body":"Your order shipped"},"biz_opaque_callback_data":"{{deliveryId}}"}
            """;
        var request = new HttpRequestMessage(HttpMethod.Post, "/v23.0/106540352242922/messages")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SandboxFixture.WhatsAppToken);
        return Sandbox.Client.SendAsync(request);
    }
}
