using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Notify.Ingress.Admin.Audit;
using Notify.Ingress.Admin.Authentication;
using Notify.Ingress.Admin.Cleanup;
using Notify.Ingress.Admin.Controls;
using Notify.Ingress.Admin.DeadLetters;
using Notify.Ingress.Admin.Replay;
using Notify.Ingress.Admin.Tenants;
using Notify.Outbox.Audit;
using Notify.Outbox.Controls;
using Notify.Outbox.DeadLetters;

namespace Notify.Ingress.Admin;

/// <summary>Wiring of the admin API (<c>notify.admin.v1.AdminService</c>), next to the tenant API.</summary>
internal static partial class AdminExtensions
{
    public static void AddAdminApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        services.AddOptions<DeadLetterOptions>().BindConfiguration(DeadLetterOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // The admin JWT is one named scheme that only the admin interceptor asks. With a single
        // scheme ASP.NET Core would make it the default and the authentication middleware would
        // parse every request's bearer (every tenant API key) as a JWT; this switch keeps it off.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication().AddJwtBearer(AdminJwt.Scheme, _ => { });
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, AdminJwt>();

        services.AddSingleton<AuditLogStore>();
        services.AddSingleton<DeadLetterStore>();
        services.TryAddSingleton<ChannelControlStore>();
        services.AddSingleton<ReplayRateLimiter>();
        services.AddSingleton<DeadLetterAdmin>();
        services.AddSingleton<ChannelControlAdmin>();
        services.AddSingleton<CleanupAdmin>();
        services.AddSingleton<TenantAdmin>();
        services.AddSingleton<AuditAdmin>();
    }

    /// <summary>
    /// Refuses an admin HTTP JSON body over <see cref="MaxJsonBodyBytes"/> with 413 (see <see cref="JsonBodyLimitMiddleware"/>)
    /// or naming a field its request does not define with 400 (<see cref="UnknownJsonFieldMiddleware"/>), then checks
    /// replay signatures before gRPC and JSON transcoding read the body (see <see cref="ReplaySignatureMiddleware"/>).
    /// </summary>
    public static WebApplication UseReplaySignature(this WebApplication app)
    {
        app.UseMiddleware<JsonBodyLimitMiddleware>();
        app.UseMiddleware<UnknownJsonFieldMiddleware>();
        app.UseMiddleware<ReplaySignatureMiddleware>();
        return app;
    }

    /// <summary>
    /// The largest body of an admin HTTP JSON route: the gRPC message limit (16 MiB). JSON
    /// transcoding enforces no limit of its own, so without this Kestrel's default (30 MB) would
    /// apply and a body of any size under it would be read and parsed. Over the limit is 413
    /// (<see cref="JsonBodyLimitMiddleware"/>).
    /// </summary>
    public const long MaxJsonBodyBytes = Extensions.MaxReceiveMessageBytes;

    public static WebApplication MapAdminApi(this WebApplication app)
    {
        app.MapGrpcService<AdminApi>().Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>().Any())
            {
                endpoint.Metadata.Add(new RequestBodyLimit(MaxJsonBodyBytes));
            }
        });
        var options = app.Services.GetRequiredService<IOptions<AdminOptions>>().Value;
        if (!options.Configured)
        {
            LogNotConfigured(app.Logger);
        }
        return app;
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Warning,
        Message = "admin API not configured: no Notify:Admin:Jwt:SigningKeys; every admin call is answered UNAVAILABLE")]
    private static partial void LogNotConfigured(ILogger logger);
}
