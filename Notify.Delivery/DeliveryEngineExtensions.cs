using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Notify.Delivery.Content;
using Notify.Delivery.Engine;
using Notify.Delivery.Health;
using Notify.Delivery.Heartbeats;
using Notify.Delivery.Providers;
using Notify.Delivery.RateLimiting;
using Notify.Delivery.Retries;
using Notify.Delivery.Telemetry;
using Notify.Outbox.Claiming;
using Notify.Outbox.Reading;
using Notify.Outbox.Status;

namespace Microsoft.Extensions.Hosting;

public static class DeliveryEngineExtensions
{
    public const string SectionName = "Notify:Delivery";

    /// <summary>
    /// Runs the delivery engine for <paramref name="channel"/> with <typeparamref name="TProvider"/>.
    /// Options come from <c>Notify:Delivery</c> (batch size, concurrency, lease, call timeout,
    /// intervals) and are validated at start; <c>Notify:Delivery:RetryDelays</c> (a list of
    /// TimeSpans) replaces the channel's default schedule.
    /// </summary>
    /// <remarks>
    /// <paramref name="defaultRatePerSecond"/> is the channel's provider rate when
    /// <c>Notify:Delivery:RatePerSecond</c> is not set. More providers for failover are added
    /// with <see cref="AddFailoverProvider{TProvider}"/>, tried in the order added.
    /// </remarks>
    public static IHostApplicationBuilder AddDeliveryEngine<TProvider>(this IHostApplicationBuilder builder, string channel, RetrySchedule defaultSchedule,
        double defaultRatePerSecond = 0, bool successIsDelivered = false)
        where TProvider : class, IDeliveryProvider
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DeliveryStore>();
        builder.Services.TryAddSingleton<IContentResolver, TemplateContentResolver>();
        builder.Services.AddSingleton<IDeliveryProvider, TProvider>();

        var delays = builder.Configuration.GetSection(SectionName + ":RetryDelays").Get<TimeSpan[]>();
        builder.Services.AddSingleton(delays is { Length: > 0 } ? defaultSchedule with { Delays = delays } : defaultSchedule);

        builder.Services.AddOptions<DeliveryWorkerOptions>()
            .Configure(options => options.RatePerSecond = defaultRatePerSecond)
            .BindConfiguration(SectionName)
            .Configure(options =>
            {
                options.Channel = channel;
                options.SuccessIsDelivered = successIsDelivered;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Uses the IConnectionMultiplexer that AddRedisClient("redis") registers.
        builder.Services.AddSingleton(sp => new RedisRateLimiter(
            sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeliveryWorkerOptions>>().Value.Replicas,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RedisRateLimiter>>()));
        // The heartbeat is registered before the worker so the host stops it after the worker
        // has drained: its row (notifyctl status) goes when the process no longer sends.
        builder.Services.TryAddSingleton<WorkerHeartbeatStore>();
        builder.Services.AddHostedService<WorkerHeartbeat>();
        // Singletons first, so the detailed health view can read the live worker and monitor.
        builder.Services.AddSingleton<DeliveryWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        builder.Services.TryAddSingleton<QueueStatistics>();
        builder.Services.AddSingleton<QueueMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueMonitor>());
        builder.Services.AddHealthChecks().AddCheck<ChannelHealthCheck>(ChannelHealthCheck.Name, tags: [ChannelHealthCheck.DetailTag]);
        return builder;
    }

    /// <summary>
    /// Adds a provider the channel fails over to when the ones before it have an open circuit
    /// or fail transiently (Email: SMTP after SendGrid). Each provider has its own circuit.
    /// </summary>
    public static IHostApplicationBuilder AddFailoverProvider<TProvider>(this IHostApplicationBuilder builder)
        where TProvider : class, IDeliveryProvider
    {
        builder.Services.AddSingleton<IDeliveryProvider, TProvider>();
        return builder;
    }
}
