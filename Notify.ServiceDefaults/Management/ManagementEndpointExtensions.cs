using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Notify.ServiceDefaults.Management;

/// <summary>Wiring of <see cref="ManagementEndpoint"/>: listeners at Kestrel's configuration, the path rule in the pipeline.</summary>
public static partial class ManagementEndpointExtensions
{
    public static TBuilder AddManagementEndpoint<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ManagementOptions>()
            .BindConfiguration(ManagementOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ManagementOptions>, ManagementOptionsValidator>();
        builder.Services.AddSingleton(new HostingUrlRequest(HostingUrls.TakeOver(builder.Configuration)));
        builder.Services.AddSingleton<ManagementEndpoint>();
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<ManagementEndpoint>((kestrel, management) => management.Configure(kestrel));
        return builder;
    }

    /// <summary>
    /// Answers 404 to a management path on a public connection and to any other path on a
    /// management connection, and logs where the management listeners are once they are bound.
    /// </summary>
    public static WebApplication UseManagementEndpoint(this WebApplication app)
    {
        var management = app.Services.GetRequiredService<ManagementEndpoint>();
        app.Use((context, next) =>
        {
            if (management.Admits(context))
            {
                return next(context);
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ManagementEndpoint));
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (management.IsActive)
            {
                LogListening(logger, string.Join(", ", management.BoundUrls));
            }
        });
        return app;
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information,
        Message = "Health and metrics for operators on {Urls} (Notify:Management:Urls); the public endpoints do not serve them")]
    private static partial void LogListening(ILogger logger, string urls);
}

/// <summary>The hosting URLs the process was started with, taken over from the host settings by <see cref="HostingUrls.TakeOver"/>.</summary>
public sealed record HostingUrlRequest(IReadOnlyList<string>? Urls);
