using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Notify.ServiceDefaults;

/// <summary>
/// <c>/health/detail</c>: every health check of the process with its status, description and
/// duration, whether <c>/health</c> would say ready, and the data of checks that carry some
/// (a channel process's <c>channel</c> check: circuits, queue, rate limit) under the check's
/// name. For people and tools looking at one process; probes use <c>/health</c> and <c>/alive</c>.
/// </summary>
public static class HealthDetail
{
    public const string Path = "/health/detail";

    /// <summary>Checks with this tag appear only here, not in <c>/health</c> (readiness).</summary>
    public const string Tag = "detail";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var environment = context.RequestServices.GetRequiredService<IHostEnvironment>();
        var document = new Dictionary<string, object?>
        {
            ["service"] = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? environment.ApplicationName,
            ["status"] = report.Status.ToString(),
            // What /health answers: every check that is not detail-only, none unhealthy.
            ["ready"] = report.Entries.Values.All(e => e.Tags.Contains(Tag) || e.Status != HealthStatus.Unhealthy),
            ["checks"] = report.Entries.ToDictionary(e => e.Key, e => new
            {
                Status = e.Value.Status.ToString(),
                e.Value.Description,
                DurationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                // The exception's type only: its message may carry a connection string.
                Error = e.Value.Exception?.GetType().Name,
            }),
        };
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Tags.Contains(Tag) && entry.Data.Count > 0)
            {
                document[name] = entry.Data;
            }
        }
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, document, Json, context.RequestAborted);
    }
}
