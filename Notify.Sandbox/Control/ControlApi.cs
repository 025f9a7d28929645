using Notify.Sandbox.Faults;
using Notify.Sandbox.Providers.Webhooks;
using Notify.Sandbox.Receipts;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Control;

/// <summary>
/// The sandbox's own JSON API under <c>/sandbox</c>: what arrived, counters, fault injection,
/// receipts (<see cref="ReceiptControlApi"/>), reset.
/// </summary>
public static class ControlApi
{
    public static IEndpointRouteBuilder MapSandboxControlApi(this IEndpointRouteBuilder routes)
    {
        var sandbox = routes.MapGroup("/sandbox");

        sandbox.MapGet("/messages", (MessageLog log, string? provider, string? deliveryId) =>
            Results.Ok(new { messages = log.Find(provider, deliveryId) }));

        sandbox.MapGet("/arrivals", (MessageLog log, string? provider, int? minArrivals) =>
            minArrivals is < 0
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["minArrivals"] = ["minArrivals must not be negative."] })
                : Results.Ok(new { arrivals = log.Arrivals(provider, minArrivals ?? 0) }));

        sandbox.MapGet("/stats", (MessageLog log) => Results.Ok(log.Stats(ProviderNames.All)));

        sandbox.MapGet("/faults", (FaultInjector faults) => Results.Ok(faults.Current));

        sandbox.MapPost("/faults", (FaultRequest request, FaultInjector faults, ILogger<FaultInjector> logger) =>
        {
            if (!ProviderNames.IsKnown(request.Provider))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["provider"] = [$"provider must be one of: {string.Join(", ", ProviderNames.All)}."],
                });
            }
            var settings = request.ToSettings();
            var problems = settings.Validate(request.Provider).ToArray();
            if (problems.Length > 0)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["faults"] = problems });
            }
            faults.Set(request.Provider!, settings);
            SandboxLog.FaultsSet(logger, request.Provider!, settings);
            return Results.Ok(faults.Current);
        });

        sandbox.MapDelete("/faults", (FaultInjector faults, ILogger<FaultInjector> logger, string? provider) =>
        {
            faults.Clear(provider);
            SandboxLog.FaultsCleared(logger, provider ?? "every provider");
            return Results.NoContent();
        });

        sandbox.MapGet("/webhooks", (WebhookInbox inbox, string? deliveryId, string? endpoint) =>
            Results.Ok(new { requests = inbox.Find(deliveryId, endpoint) }));

        sandbox.MapReceipts();

        sandbox.MapPost("/reset", (MessageLog log, FaultInjector faults, WebhookInbox inbox, ReceiptLog receipts) =>
        {
            log.Clear();
            inbox.Clear();
            receipts.Clear();
            faults.RestoreConfigured();
            return Results.NoContent();
        });

        return routes;
    }
}

/// <summary>Body of <c>POST /sandbox/faults</c>: the provider and its new faults (replacing any it had).</summary>
public sealed record FaultRequest(
    string? Provider,
    int ThrottlePercent = 0,
    int RetryAfterSeconds = 1,
    int ServerErrorPercent = 0,
    int TimeoutPercent = 0,
    double TimeoutSeconds = 30,
    string? InvalidRecipientPattern = null,
    DateTimeOffset? OutageUntil = null,
    int ThrottleFirstArrivalPercent = 0)
{
    public FaultSettings ToSettings() => new()
    {
        ThrottlePercent = ThrottlePercent,
        RetryAfterSeconds = RetryAfterSeconds,
        ServerErrorPercent = ServerErrorPercent,
        TimeoutPercent = TimeoutPercent,
        TimeoutSeconds = TimeoutSeconds,
        InvalidRecipientPattern = InvalidRecipientPattern,
        OutageUntil = OutageUntil,
        ThrottleFirstArrivalPercent = ThrottleFirstArrivalPercent,
    };
}
