using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Notify.Outbox.Receipts;

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

        await processor.RecordAsync(provider.Channel, provider.Provider, events, cancellationToken);
        return Results.Ok();
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
        await store.RefuseAsync(provider.Channel, provider.Provider, reason, cancellationToken);
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
