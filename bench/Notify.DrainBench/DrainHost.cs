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
        builder.AddServiceDefaults();
        builder.AddNpgsqlDataSource("notifydb");
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<DrainOptions>()
            .BindConfiguration(DrainOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DrainProbe>();
        var client = builder.Services.AddHttpClient(SendGridPostProvider.ClientName);
        if (builder.Configuration.GetValue<bool>("Drain:WithoutHttpResilience"))
        {
            // Experiment only: the provider client without the service defaults' resilience
            // handler, to see what that handler costs per call. Channel processes keep it.
#pragma warning disable EXTEXP0001 // experimental API; only this opt-in experiment uses it
            client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        }

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
