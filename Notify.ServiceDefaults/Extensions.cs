using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Notify.ServiceDefaults;
using Notify.ServiceDefaults.Health;
using Notify.ServiceDefaults.Management;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting hosting shared by every Notify process, shaped like Aspire's
/// ServiceDefaults template so a real Aspire AppHost can run the services unchanged.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string MetricsEndpointPath = "/metrics";

    /// <summary>ASP.NET Core's per-request log lines (and the request scope).</summary>
    public const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddBasicServiceDefaults();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Provider calls are POSTs that must not be repeated blindly: a timeout after the
            // provider accepted would send twice. Retries live in the outbox, with the
            // delivery id as the idempotency key; here only the timeouts and breaker apply.
            http.AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
            // The factory's loggers print every request's URL ("Start processing HTTP request POST
            // https://api.push.apple.com/3/device/{token}") and put it in a scope on every record
            // logged during the call; for providers the path can be a recipient (an APNs device
            // token, a webhook URL). Each call is recorded anyway, without them: an attempt row
            // with status, error and duration, a metric, and a span whose URL keeps only its origin.
            http.RemoveAllLoggers();
        });
        return builder;
    }

    /// <summary>
    /// For channel processes: the delivery engine owns each provider call's timeout, its
    /// retries (durable, in the outbox) and a circuit per provider, so the standard HTTP
    /// resilience handler would only add a second, shorter timeout and a second breaker whose
    /// exceptions hide what the provider answered. This takes it off every HTTP client.
    /// </summary>
    public static TBuilder WithoutHttpResilience<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigureAdditionalHttpMessageHandlers(static (handlers, _) =>
        {
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (handlers[i] is Microsoft.Extensions.Http.Resilience.ResilienceHandler)
                {
                    handlers.RemoveAt(i);
                }
            }
        }));
        return builder;
    }

    /// <summary>Telemetry and health checks, without the outgoing-HTTP defaults.</summary>
    public static TBuilder AddBasicServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddManagementEndpoint();
        // "Request starting/finished" print each URL whole, query included: Meta's subscription
        // handshake carries the verify token there, and a path can be a recipient. The server span
        // of each request says the same with the query redacted and route values templated
        // (ServerRequestPaths), so these lines stay off even when Microsoft.AspNetCore is turned up.
        builder.Logging.AddFilter(RequestLogCategory, LogLevel.Warning);
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            // Unlike the Aspire template: Notify opens no scopes of its own, and the framework's
            // carry request paths into every record of a request (a path can be a recipient: the
            // sandbox's APNs route holds a device token). Each record has its trace and span ids,
            // which lead to the request's span and its route.
            logging.IncludeScopes = false;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(NotifyTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // Spans go only to OTLP. Without an endpoint nothing would read them, and recording
        // them (a span and its tags per request and per provider call) cost the ingress about
        // an eighth of its CPU per Send (bench/RESULTS.md). Logs still carry the request's trace
        // and span ids (the host starts an activity per request for them), and the ingress
        // still stores the caller's traceparent with each notification.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }
        telemetry.WithTracing(tracing =>
            {
                if (builder.Environment.IsDevelopment())
                {
                    tracing.SetSampler(new AlwaysOnSampler());
                }
                tracing
                    .AddSource(NotifyTelemetry.Name)
                    .AddSource(builder.Environment.ApplicationName)
                    .AddAspNetCoreInstrumentation(options =>
                    {
                        // Health probes every few seconds would drown the traces that matter.
                        options.Filter = context =>
                            !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                            && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                            && !context.Request.Path.StartsWithSegments(MetricsEndpointPath);
                        options.EnrichWithHttpResponse = (activity, response) => ServerRequestPaths.UseRouteTemplate(activity, response.HttpContext);
                    })
                    .AddGrpcClientInstrumentation()
                    .AddHttpClientInstrumentation(options =>
                    {
                        options.EnrichWithHttpResponseMessage = (activity, _) => ProviderRequestUrls.Mask(activity);
                        options.EnrichWithException = (activity, _) => ProviderRequestUrls.Mask(activity);
                    });
            })
            .UseOtlpExporter();
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        // Each check's changes of status, once each, rather than a line per failing check per probe.
        HealthTransitionLog.Decorate(builder.Services);
        builder.Logging.AddFilter(HealthTransitionLog.FrameworkCategory, LogLevel.None);
        return builder;
    }

    /// <summary>
    /// Maps /health (ready: every check but the detail-only ones), /alive (liveness),
    /// /health/detail (every check with its data, see <see cref="HealthDetail"/>) and /metrics
    /// (Prometheus). Unlike the Aspire template these are mapped in every environment, and served
    /// only on the management endpoint (<see cref="ManagementEndpoint"/>, <c>Notify:Management:Urls</c>,
    /// loopback by default): the public endpoints answer 404 for them.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // An exception no endpoint handled answers a bare 500 in every environment. In
        // Development (where the AppHost runs everything) ASP.NET Core's developer page would
        // answer instead, echoing the request's headers: a bearer token, a provider's signature.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = static context =>
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return Task.CompletedTask;
            },
        });
        app.UseManagementEndpoint();
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions
        {
            Predicate = r => !r.Tags.Contains(HealthDetail.Tag),
        });
        app.MapHealthChecks(HealthDetail.Path, new HealthCheckOptions { ResponseWriter = HealthDetail.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live"),
        });
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        return app;
    }
}
