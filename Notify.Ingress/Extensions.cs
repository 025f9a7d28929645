using Microsoft.Extensions.DependencyInjection.Extensions;
using Notify.Ingress.Admin;
using Notify.Ingress.Authentication;
using Notify.Ingress.Grpc;
using Notify.Ingress.Options;
using Notify.Ingress.Retention;
using Notify.Ingress.Startup;
using Notify.Ingress.Templates;
using Notify.Templates;
using Notify.Ingress.Validation;
using Notify.Outbox.Controls;
using Notify.Outbox.Reading;
using Notify.Outbox.Retention;
using Notify.Outbox.Status;
using Notify.Outbox.Tenants;
using Notify.Outbox.Writing;

namespace Notify.Ingress;

internal static class Extensions
{
    /// <summary>
    /// The largest gRPC request message the ingress reads (grpc-dotnet's default would be 4 MB):
    /// a batch of 1,000 notifications with template data fits well within it. A larger message is
    /// refused with RESOURCE_EXHAUSTED before it is parsed. The admin HTTP JSON routes have the
    /// same limit on their bodies (413 over it).
    /// </summary>
    public const int MaxReceiveMessageBytes = 16 * 1024 * 1024;

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("notifydb", dataSource =>
        {
            var settings = dataSource.ConnectionStringBuilder;
            // Fail fast rather than hang a caller while the database is away.
            if (settings.Timeout == 15)
            {
                settings.Timeout = 3;
            }
            // The ingest statements are few and hot: prepare them once per connection.
            if (settings.MaxAutoPrepare == 0)
            {
                settings.MaxAutoPrepare = 16;
            }
        });
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<IngressOptions>().BindConfiguration(IngressOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.SectionName);
        builder.Services.AddOptions<OutboxWriterOptions>().BindConfiguration(OutboxWriterOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TenantStore>();
        builder.Services.AddSingleton<ApiKeyAuthenticator>();
        builder.Services.AddSingleton<OutboxWriter>();
        builder.Services.AddSingleton<NotificationReader>();
        builder.Services.AddSingleton<SendRequestValidator>();
        builder.Services.AddSingleton<NotificationFactory>();
        builder.Services.AddSingleton<TemplateStore>();
        builder.Services.AddSingleton<Notify.Outbox.Suppressions.SuppressionStore>();
        builder.Services.AddSingleton<Notify.Ingress.Suppressions.SuppressionService>();
        builder.Services.AddSingleton<StartupChecks>();
        // Retention: the cleaner (also for the admin API's `cleanup run`) and its schedule.
        builder.Services.AddSingleton<RetentionCleaner>();
        builder.Services.AddHostedService<RetentionScheduler>();
        // Status (the admin API's GetStatus, notifyctl status): queues, controls, live workers.
        builder.Services.AddOptions<SystemStatusOptions>().BindConfiguration(SystemStatusOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<QueueStatistics>();
        builder.Services.TryAddSingleton<ChannelControlStore>();
        builder.Services.AddSingleton<SystemStatusReader>();

        // The admin API (notify.admin.v1): JWT, replay signature, audit log; see Admin/.
        builder.AddAdminApi();

        builder.Services.AddGrpc(options =>
        {
            options.Interceptors.Add<StoreExceptionInterceptor>();
            options.MaxReceiveMessageSize = MaxReceiveMessageBytes;
        })
        // HTTP JSON for the rpcs with google.api.http paths (the admin API), so curl works. The
        // registry lets an INVALID_ARGUMENT's google.rpc.BadRequest detail be written as JSON.
        .AddJsonTranscoding(options => options.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(Google.Rpc.BadRequest.Descriptor))
        // Each API has its own door: tenant API keys for notify.v1, admin JWTs for notify.admin.v1.
        .AddServiceOptions<NotifyApi>(options => options.Interceptors.Add<ApiKeyInterceptor>())
        .AddServiceOptions<AdminApi>(options => options.Interceptors.Add<AdminInterceptor>());
        builder.Services.AddGrpcReflection();
        // The gRPC health service reports the same checks as /health (database, Redis).
        builder.Services.AddGrpcHealthChecks();
    }

    public static WebApplication MapNotifyApi(this WebApplication app)
    {
        app.MapGrpcService<NotifyApi>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>Runs the start-up checks; on failure logs what to fix and returns false.</summary>
    public static async Task<bool> CheckDependenciesAsync(this WebApplication app)
    {
        try
        {
            await app.Services.GetRequiredService<StartupChecks>().RunAsync(app.Lifetime.ApplicationStopping);
            return true;
        }
        catch (StartupException ex)
        {
            app.Logger.LogCritical("Notify.Ingress cannot start: {Reason}", ex.Message);
            return false;
        }
    }
}
