using Notify.Delivery.Retries;
using Notify.Outbox;
using Notify.Sms.Receipts;
using Notify.Sms.Twilio;

namespace Notify.Sms;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("notifydb");
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<TwilioOptions>()
            .BindConfiguration(TwilioOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient<TwilioMessagesClient>();
        builder.Services.AddSingleton<StatusCallbackUrl>();
        builder.Services.AddHostedService<StatusCallbackReport>();
        builder.AddSmsReceipts();

        // Twilio's long-code limit: one message a second per sender number.
        builder.AddDeliveryEngine<TwilioSmsProvider>(ChannelNames.Sms, RetrySchedule.Sms, defaultRatePerSecond: 1);
    }
}
