using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notify.Outbox.Receipts;
using Npgsql;

namespace Notify.Receipts;

/// <summary>
/// The request pipeline every receipt webhook shares: read the raw body under the size limit,
/// check the provider's signature, parse, store and apply, and answer what the provider
/// expects. A refusal changes no delivery: it is answered (413, 403 or 400), counted in
/// <c>notify.receipts.refused</c> and stored in <c>receipt_events</c> with its reason, never its body.
/// </summary>
public sealed partial class ReceiptEndpoint(
    ReceiptProcessor processor, ReceiptStore store, IOptions<ReceiptOptions> options, ILogger<ReceiptEndpoint> logger)
{
    private readonly ReceiptOptions _options = options.Value;
    // Bounds the connections receipt requests hold at once (ReceiptOptions.MaxConcurrentWrites).
    private readonly SemaphoreSlim _writes = new(options.Value.MaxConcurrentWrites);

    /// <summary>What a provider is told to wait before sending a receipt again that could not be written now.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    // The 503s are logged at most once per interval, with how many there were: during a database
    // outage every receipt request would otherwise write a warning.
    private static readonly TimeSpan BusyLogInterval = TimeSpan.FromSeconds(10);
    private long _busyLoggedAt = long.MinValue;
    private int _busySinceLog;

    public async Task<IResult> HandleAsync(IReceiptProvider provider, HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var body = await ReadBodyAsync(context.Request, _options.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            await RefuseAsync(provider, RefusalReasons.TooLarge, cancellationToken);
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var request = new ReceiptRequest(body.Value, context.Request.Headers, PublicUrl(context.Request));
        var verdict = provider.Verify(request);
        if (!verdict.IsAccepted)
        {
            await RefuseAsync(provider, verdict.RefusalReason!, cancellationToken);
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        IReadOnlyList<ReceiptEvent> events;
        try
        {
            events = provider.Parse(request);
        }
        catch (MalformedReceiptException e)
        {
            LogMalformed(logger, provider.Channel, provider.Provider, e.Message);
            await RefuseAsync(provider, RefusalReasons.Malformed, cancellationToken);
            return Results.BadRequest();
        }

        if (!await _writes.WaitAsync(_options.WriteWait, cancellationToken))
        {
            return Busy(context, provider, "every write slot is taken");
        }
        try
        {
            // Not cancelled when the provider hangs up: the receipt is verified, writing it is
            // idempotent (by event id), and cancelling a statement costs PostgreSQL a connection.
            await processor.RecordAsync(provider.Channel, provider.Provider, events, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return Busy(context, provider, e.GetType().Name);
        }
        finally
        {
            _writes.Release();
        }
        return Results.Ok();
    }

    /// <summary>
    /// 503 with Retry-After for a verified receipt that cannot be written now: the provider sends
    /// it again (SendGrid and Meta retry for hours), instead of a 500 and a stack trace per request.
    /// </summary>
    private IResult Busy(HttpContext context, IReceiptProvider provider, string why)
    {
        LogBusyNow(provider, why);
        ReceiptMetrics.Refusal(provider.Channel, provider.Provider, "busy");
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The URL the provider called: the configured public base with this request's path and query, or the request's own.</summary>
    public Uri PublicUrl(HttpRequest request)
    {
        var pathAndQuery = request.PathBase + request.Path + request.QueryString;
        if (_options.PublicBaseUrl is { } publicBase)
        {
            return new Uri(publicBase.GetLeftPart(UriPartial.Path).TrimEnd('/') + pathAndQuery);
        }
        return new Uri($"{request.Scheme}://{request.Host}{pathAndQuery}");
    }

    public async Task RefuseAsync(IReceiptProvider provider, string reason, CancellationToken cancellationToken)
    {
        LogRefused(logger, provider.Channel, provider.Provider, reason);
        ReceiptMetrics.Refusal(provider.Channel, provider.Provider, reason);
        // Stored only when a write slot is free at once: a flood of unsigned requests must not
        // queue for, or hold, the connections verified receipts need (the metric counts it anyway).
        if (!_writes.Wait(0))
        {
            return;
        }
        try
        {
            await store.RefuseAsync(provider.Channel, provider.Provider, reason, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            LogBusyNow(provider, e.GetType().Name);
        }
        finally
        {
            _writes.Release();
        }
    }

    private void LogBusyNow(IReceiptProvider provider, string why)
    {
        var count = Interlocked.Increment(ref _busySinceLog);
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _busyLoggedAt);
        if ((last == long.MinValue || Stopwatch.GetElapsedTime(last, now) >= BusyLogInterval)
            && Interlocked.CompareExchange(ref _busyLoggedAt, now, last) == last)
        {
            Interlocked.Add(ref _busySinceLog, -count);
            LogBusy(logger, provider.Channel, provider.Provider, why, count);
        }
    }

    /// <summary>The raw body, or null when it is larger than <paramref name="limit"/> (checked as it streams, not only by Content-Length).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = null;   // this limit is ours: answered 413 and counted, not a Kestrel error
        }
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Channel} receipt requests from {Provider} could not be written ({Why}): {Count} since the last such line (at most one per 10 s); verified receipts among them were answered 503, to be sent again")]
    private static partial void LogBusy(ILogger logger, string channel, string provider, string why, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a {Channel} receipt request from {Provider}: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string channel, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A signed {Channel} receipt request from {Provider} could not be read: {Problem}")]
    private static partial void LogMalformed(ILogger logger, string channel, string provider, string problem);
}

public static class ReceiptEndpointExtensions
{
    /// <summary>Maps <c>POST {pattern}</c> to the receipt pipeline for <typeparamref name="TProvider"/>.</summary>
    public static RouteHandlerBuilder MapReceiptEndpoint<TProvider>(this IEndpointRouteBuilder endpoints, string pattern)
        where TProvider : IReceiptProvider
        => endpoints.MapPost(pattern, (Delegate)(static (HttpContext context) => context.RequestServices.GetRequiredService<ReceiptEndpoint>()
            .HandleAsync(context.RequestServices.GetRequiredService<TProvider>(), context)))
            .DisableAntiforgery()
            .ExcludeFromDescription();
}
