using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Grpc.Core;
using Notify.Grpc.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Fuzz;

/// <summary>
/// Hostile values in every string field of a Send, through the real ingress and database: the
/// answer is OK or INVALID_ARGUMENT (never INTERNAL or UNKNOWN); a refusal writes nothing; an
/// accepted request reads back exactly as sent (quotes, SQL, emoji, bidi and all).
/// </summary>
public sealed class RequestFuzzTests(IngressFixture ingress) : IClassFixture<IngressFixture>
{
    private delegate void Mutation(SendRequest request, string value);

    private static readonly (string Field, Mutation Apply)[] Fields =
    [
        // Unique per sample (an earlier sample's key would be a legitimate conflict), hostile all the same.
        ("idempotency_key", (r, v) => r.IdempotencyKey = v + Guid.NewGuid().ToString("N")[..6]),
        ("recipient.email", (r, v) => r.Recipient.Email = v),
        ("recipient.phone", (r, v) => r.Recipient.Phone = v),
        ("recipient.whatsapp", (r, v) => r.Recipient.Whatsapp = v),
        ("recipient.webhook_url", (r, v) => r.Recipient.WebhookUrl = v),
        ("recipient.push_devices[0].token", (r, v) => r.Recipient.PushDevices[0].Token = v),
        ("content.email.subject", (r, v) => r.Content.Email.Subject = v),
        ("content.email.text_body", (r, v) => r.Content.Email.TextBody = v),
        ("content.sms.body", (r, v) => r.Content.Sms.Body = v),
        ("content.whatsapp.text", (r, v) => r.Content.Whatsapp.Text = v),
        ("content.webhook.event_type", (r, v) => r.Content.Webhook.EventType = v),
        ("content.push.title", (r, v) => r.Content.Push.Title = v),
        ("correlation_id", (r, v) => r.CorrelationId = v),
        ("metadata key", (r, v) => r.Metadata[v] = "value"),
        ("metadata value", (r, v) => r.Metadata["key"] = v),
    ];

    [Fact]
    public async Task Hostile_strings_in_any_field_are_refused_cleanly_or_round_trip_exactly()
    {
        var tenant = await ingress.CreateTenantAsync();
        var mutations = Gen.ListOf(Gen.Zip(Gen.Choose(0, Fields.Length - 1), FuzzInput.NastyString))
            .Select(list => list.Take(4).ToList());
        var channels = Gen.ListOf(Gen.Choose(-2, 9)).Select(list => list.Take(6).Select(c => (Channel)c).ToList());
        var input = Gen.Zip(mutations, Gen.OneOf(Gen.Constant<List<Channel>?>(null), channels.Select(c => (List<Channel>?)c)));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Arb.From(input), sample =>
        {
            var request = Requests.AllChannels();
            var key = request.IdempotencyKey;
            foreach (var (field, value) in sample.Item1)
            {
                Fields[field].Apply(request, value);
            }
            if (sample.Item2 is { } chosen)
            {
                request.Channels.Clear();
                request.Channels.AddRange(chosen);
            }
            // What the server receives: protobuf's UTF-8 encoder turns a lone surrogate into U+FFFD.
            var sent = SendRequest.Parser.ParseFrom(request.ToByteArray());
            return OutcomeIsClean(tenant, sent).GetAwaiter().GetResult();
        }));
    }

    private async Task<bool> OutcomeIsClean(TestTenant tenant, SendRequest request)
    {
        SendResponse response;
        try
        {
            response = await tenant.SendAsync(request);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            var fields = Requests.ViolatedFields(e);
            Assert.NotEmpty(fields);
            // Nothing written under the key it carried (if the key itself was fine).
            await using var command = ingress.Database.CreateCommand(
                "SELECT count(*) FROM notify.notifications WHERE tenant_id = @tenant AND idempotency_key = @key");
            command.Parameters.AddWithValue("tenant", tenant.Id);
            command.Parameters.AddWithValue("key", request.IdempotencyKey.Replace("\0", "", StringComparison.Ordinal));   // PostgreSQL text holds no NUL
            Assert.True((long)(await command.ExecuteScalarAsync())! == 0, $"refused ({string.Join(", ", fields)}) but written");
            return true;
        }

        var stored = await tenant.GetAsync(response.NotificationId);
        Assert.Equal(request.IdempotencyKey, stored.IdempotencyKey);
        Assert.Equal(request.CorrelationId, stored.CorrelationId);
        Assert.Equal(request.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal), stored.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(request.Channels.Count, stored.Deliveries.Count);
        return true;
    }
}
