using Microsoft.Extensions.DependencyInjection.Extensions;
using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Push.Apns;
using Notify.Push.Fcm;

namespace Notify.Push;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("notifydb");
        builder.AddRedisClient("redis");
        builder.Services.TryAddSingleton(TimeProvider.System);

        builder.Services.AddOptions<FcmOptions>()
            .BindConfiguration(FcmOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<FcmCredentials>();
        builder.Services.AddSingleton<FcmAccessTokenSource>();
        builder.Services.AddSingleton<FcmMessagesClient>();
        builder.Services.AddHttpClient(FcmAccessTokenSource.HttpClientName);
        builder.Services.AddHttpClient(FcmMessagesClient.HttpClientName);

        builder.Services.AddOptions<ApnsOptions>()
            .BindConfiguration(ApnsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ApnsProviderToken>();
        builder.Services.AddSingleton<ApnsClient>();
        builder.Services.AddHttpClient(ApnsClient.HttpClientName)
            // Apple wants few, long-lived connections; HTTP/2 multiplexes sends over each, and
            // a second connection opens only when the server's stream limit is reached.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
                KeepAlivePingDelay = TimeSpan.FromMinutes(1),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            });

        // Both providers serve the channel side by side: each Handles only its own platform,
        // so an FCM delivery never fails over to APNs. Each has its own circuit.
        builder.AddDeliveryEngine<FcmPushProvider>(ChannelNames.Push, RetrySchedule.Push, defaultRatePerSecond: 1_000,
            successIsDelivered: true);   // FCM and APNs send no receipts: their acceptance is the last word Notify gets
        builder.AddFailoverProvider<ApnsPushProvider>();
    }
}
