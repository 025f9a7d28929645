using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Webhook.Sending;
using Notify.Webhook.Signing;

namespace Notify.Webhook;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("notifydb");
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<WebhookSigner>();
        builder.Services.AddSingleton<WebhookHttpClient>();
        builder.Services.AddHostedService<WebhookStartupReport>();

        // 100 calls a second per endpoint (the rate-limit key is the endpoint), shared by replicas.
        builder.AddDeliveryEngine<WebhookProvider>(ChannelNames.Webhook, RetrySchedule.Webhook, defaultRatePerSecond: 100,
            successIsDelivered: true);   // the endpoint's 2xx is the delivery: no receipt follows
    }
}
