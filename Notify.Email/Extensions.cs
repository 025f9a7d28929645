using Notify.Delivery.Providers;
using Notify.Delivery.Retries;
using Notify.Email.Receipts;
using Notify.Email.SendGrid;
using Notify.Email.Smtp;
using Notify.Outbox;

namespace Notify.Email;

internal static class Extensions
{
    /// <summary>SendGrid's and a typical submission server's sending rate for one account, unless configured.</summary>
    private const double DefaultRatePerSecond = 10;

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("notifydb");
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<EmailOptions>()
            .BindConfiguration(EmailOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Providers in failover order; only the listed ones are registered, so only their
        // settings are required. A bad list registers none and fails the start-up validation
        // above with its message.
        var providers = builder.Configuration.GetSection(EmailOptions.SectionName).Get<EmailOptions>() ?? new EmailOptions();
        if (providers.Validate(new(providers)).Any())
        {
            return;
        }
        builder.AddEmailReceipts();

        for (var i = 0; i < providers.Order.Count; i++)
        {
            switch (providers.Order[i])
            {
                case EmailOptions.SendGrid:
                    builder.AddSendGrid();
                    builder.AddProvider<SendGridEmailProvider>(first: i == 0);
                    break;
                case EmailOptions.Smtp:
                    builder.AddSmtp();
                    builder.AddProvider<SmtpEmailProvider>(first: i == 0);
                    break;
            }
        }
    }

    private static void AddProvider<TProvider>(this IHostApplicationBuilder builder, bool first)
        where TProvider : class, IDeliveryProvider
    {
        if (first)
        {
            builder.AddDeliveryEngine<TProvider>(ChannelNames.Email, RetrySchedule.Email, defaultRatePerSecond: DefaultRatePerSecond);
        }
        else
        {
            builder.AddFailoverProvider<TProvider>();
        }
    }

    private static void AddSendGrid(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SendGridOptions>()
            .BindConfiguration(SendGridOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // No resilience handler of its own: AddDeliveryEngine takes it off every client.
        builder.Services.AddHttpClient(SendGridMailClient.HttpClientName);
        builder.Services.AddSingleton<SendGridMailClient>();
    }

    private static void AddSmtp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SmtpServerLocator>();
        builder.Services.AddSingleton<SmtpConnectionPool>();
        builder.Services.AddSingleton<SmtpMessageFactory>();
    }
}
