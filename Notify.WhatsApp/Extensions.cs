using Microsoft.Extensions.Options;
using Notify.Delivery.Engine;
using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.WhatsApp.CloudApi;
using Notify.WhatsApp.Receipts;
using Notify.WhatsApp.Tier;
using StackExchange.Redis;

namespace Notify.WhatsApp;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("notifydb");
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<WhatsAppCloudOptions>()
            .BindConfiguration(WhatsAppCloudOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<MessagingTierOptions>()
            .BindConfiguration(MessagingTierOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient<WhatsAppCloudClient>();
        builder.AddWhatsAppReceipts();

        // One ledger per phone number, shared with every replica through Redis.
        builder.Services.AddSingleton(sp => new MessagingTierLedger(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<WhatsAppCloudOptions>>().Value.PhoneNumberId,
            sp.GetRequiredService<IOptions<MessagingTierOptions>>().Value.ParseLimit(),
            sp.GetRequiredService<IOptions<DeliveryWorkerOptions>>().Value.Replicas,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MessagingTierLedger>>()));

        // Meta's default throughput: 80 messages a second per business phone number.
        builder.AddDeliveryEngine<WhatsAppCloudProvider>(ChannelNames.WhatsApp, RetrySchedule.WhatsApp, defaultRatePerSecond: 80);
    }
}
