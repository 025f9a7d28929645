using Notify.Delivery.Retries;
using Notify.Outbox;

namespace Notify.DrainBench;

/// <summary>
/// A channel process for the benchmark: built exactly like Notify.Sms (service defaults,
/// Npgsql data source, Redis client, <c>AddDeliveryEngine</c>) with the benchmark's provider,
/// on the e-mail channel. Runs until stopped (SIGTERM).
/// </summary>
internal static class DrainHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults().WithoutHttpResilience();   // as every channel process: the engine owns timeouts, retries and circuits
        builder.AddNpgsqlDataSource("notifydb");
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<DrainOptions>()
            .BindConfiguration(DrainOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DrainProbe>();
        builder.Services.AddHttpClient(SendGridPostProvider.ClientName);

        // No provider rate limit: the benchmark measures how fast the engine drains.
        if (builder.Configuration["Drain:Provider"] == "sendgrid")
        {
            builder.AddDeliveryEngine<SendGridPostProvider>(ChannelNames.Email, RetrySchedule.Email, defaultRatePerSecond: 0);
        }
        else
        {
            builder.AddDeliveryEngine<NoopProvider>(ChannelNames.Email, RetrySchedule.Email, defaultRatePerSecond: 0);
        }

        var app = builder.Build();
        app.MapDefaultEndpoints();
        if (builder.Configuration.GetValue<bool>("Drain:WaitForGo"))
        {
            // Replicas start claiming together: each says it is built, then waits for the word.
            Console.Out.WriteLine("ready");
            while (await Console.In.ReadLineAsync() is { } line && line.Trim() != "go")
            {
            }
        }
        await app.RunAsync();
        return 0;
    }
}
