using Notify.Delivery.Providers;
using Notify.Tests.Infrastructure;
using Notify.Tests.Sandbox;
using Notify.WhatsApp.CloudApi;
using Notify.WhatsApp.Tier;
using StackExchange.Redis;

namespace Notify.Tests.WhatsApp;

/// <summary>The Cloud API client and provider against the sandbox speaking Meta's wire protocol.</summary>
public sealed class WhatsAppCloudClientTests(SandboxFixture sandbox, InfrastructureFixture infrastructure) : SandboxTests(sandbox)
{
    [Fact]
    public async Task A_text_message_is_sent_and_the_sandbox_records_it_under_the_delivery_id()
    {
        var client = WhatsAppSends.Client(Sandbox, WhatsAppSends.Options());
        var deliveryId = NewDeliveryId();

        var answer = await client.SendAsync(new TextMessage("+15551234567", "Your order A123 shipped"), deliveryId, default);

        Assert.Equal(200, answer.HttpStatus);
        Assert.StartsWith("wamid.", answer.MessageId);
        Assert.Null(answer.Error);
        var recorded = Assert.Single(await Sandbox.MessagesAsync("whatsapp", deliveryId));
        Assert.Equal("15551234567", recorded.GetProperty("recipient").GetString());
        Assert.Equal(answer.MessageId, recorded.GetProperty("providerMessageId").GetString());
    }

    [Fact]
    public async Task A_template_message_with_its_body_parameters_is_accepted()
    {
        var client = WhatsAppSends.Client(Sandbox, WhatsAppSends.Options());

        var answer = await client.SendAsync(new TemplateMessage("+15551234567", "order_update_v1", "de", ["Alex", "A123"]), NewDeliveryId(), default);

        Assert.Equal(200, answer.HttpStatus);
        Assert.Equal("accepted", answer.MessageStatus);
    }

    [Fact]
    public async Task A_template_missing_a_parameter_comes_back_as_code_132000_with_its_error_object()
    {
        var client = WhatsAppSends.Client(Sandbox, WhatsAppSends.Options());

        var answer = await client.SendAsync(new TemplateMessage("+15551234567", "order_update_v1", "en_US", ["Alex"]), NewDeliveryId(), default);

        Assert.Equal(400, answer.HttpStatus);
        var error = Assert.IsType<GraphError>(answer.Error);
        Assert.Equal(132000, error.Code);
        Assert.StartsWith("(#132000)", error.Message);
        Assert.False(string.IsNullOrEmpty(error.Details));
        Assert.False(string.IsNullOrEmpty(error.FbTraceId));
        Assert.Equal(ProviderOutcome.Permanent, WhatsAppAnswers.Classify(answer, 1).Outcome);
    }

    [Fact]
    public async Task A_refused_token_is_a_credentials_problem()
    {
        var client = WhatsAppSends.Client(Sandbox, WhatsAppSends.Options(token: "revoked-token"));

        var answer = await client.SendAsync(new TextMessage("+15551234567", "Hello"), NewDeliveryId(), default);

        Assert.Equal(401, answer.HttpStatus);
        Assert.Equal(190, answer.Error?.Code);
        Assert.Equal(ProviderOutcome.Credentials, WhatsAppAnswers.Classify(answer, 1).Outcome);
    }

    [Fact]
    public async Task Throttling_carries_its_retry_after_through_to_the_result()
    {
        await Sandbox.SetFaultsAsync(new { provider = "whatsapp", throttlePercent = 100, retryAfterSeconds = 6 });
        var client = WhatsAppSends.Client(Sandbox, WhatsAppSends.Options());

        var result = WhatsAppAnswers.Classify(await client.SendAsync(new TextMessage("+15551234567", "Hello"), NewDeliveryId(), default), 1);

        Assert.Equal(ProviderOutcome.Retryable, result.Outcome);
        Assert.Equal("130429", result.ErrorCode);
        Assert.True(result.Throttled);
        Assert.Equal(TimeSpan.FromSeconds(6), result.RetryAfter);
    }

    [Fact]
    public async Task The_provider_sends_text_content_as_a_text_message()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var provider = WhatsAppSends.Provider(Sandbox, WhatsAppSends.Options(), redis, new TierLimit(1));
        var delivery = WhatsAppSends.Claimed("+14155557001");

        var result = await provider.SendAsync(delivery, WhatsAppSends.Text("Your code is 123456"), default);

        Assert.Equal(ProviderOutcome.Sent, result.Outcome);
        var recorded = Assert.Single(await Sandbox.MessagesAsync("whatsapp", delivery.Id.ToString()));
        Assert.Equal(result.ProviderMessageId, recorded.GetProperty("providerMessageId").GetString());
    }

    [Fact]
    public async Task The_provider_dead_letters_content_without_text_or_template()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var provider = WhatsAppSends.Provider(Sandbox, WhatsAppSends.Options(), redis, new TierLimit(1));

        var result = await provider.SendAsync(WhatsAppSends.Claimed("+14155557002"), new Notify.Grpc.V1.Content(), default);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal("NO_CONTENT", result.ErrorCode);
        Assert.Empty(await Sandbox.MessagesAsync("whatsapp"));
    }

    [Fact]
    public async Task A_marketing_opt_out_is_permanent_and_suppresses_the_recipient()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var provider = WhatsAppSends.Provider(Sandbox, WhatsAppSends.Options(), redis, TierLimit.Unlimited);

        var result = await provider.SendAsync(WhatsAppSends.Claimed("+14155551050"), WhatsAppSends.Template("hello_world", "en_US"), default);

        Assert.Equal(ProviderOutcome.Permanent, result.Outcome);
        Assert.Equal("131050", result.ErrorCode);
        Assert.Equal(WhatsAppAnswers.MarketingOptOut, result.SuppressReason);
    }

    [Fact]
    public async Task The_provider_rate_limits_per_phone_number_id()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(infrastructure.Redis.ConnectionString);
        var options = WhatsAppSends.Options(phoneNumberId: "106540352242922");

        var provider = WhatsAppSends.Provider(Sandbox, options, redis, TierLimit.Unlimited);

        Assert.Equal("whatsapp:106540352242922", provider.RateLimitKey(WhatsAppSends.Claimed("+14155557003")));
    }
}
