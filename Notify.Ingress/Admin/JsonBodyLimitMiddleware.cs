using Microsoft.AspNetCore.Http.Metadata;

namespace Notify.Ingress.Admin;

/// <summary>
/// Answers 413 for an HTTP JSON body over its route's limit (<see cref="AdminExtensions.MaxJsonBodyBytes"/>),
/// declared or streamed, before JSON transcoding reads it. Transcoding would read up to Kestrel's
/// limit and answer "body too large" as a 400, indistinguishable from a malformed body. Admin
/// bodies are small and rare, so the body is buffered (memory, then a temporary file) and rewound
/// for transcoding.
/// </summary>
internal sealed class JsonBodyLimitMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>() is { MaxRequestBodySize: { } limit }
            && !await FitsAsync(context.Request, limit, context.RequestAborted))
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.Response.WriteAsJsonAsync(new { code = 8, message = $"The request body is larger than {limit} bytes.", details = Array.Empty<object>() }, context.RequestAborted);
            return;
        }
        await next(context);
    }

    private static async Task<bool> FitsAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return false;
        }
        request.EnableBuffering();
        try
        {
            // Kestrel enforces the limit (set from the endpoint's metadata) as the bytes arrive.
            await request.Body.CopyToAsync(Stream.Null, cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return false;
        }
        request.Body.Position = 0;
        return true;
    }
}

/// <summary>A request body limit as endpoint metadata: the routing middleware applies it to Kestrel's limit, <see cref="JsonBodyLimitMiddleware"/> answers 413 over it.</summary>
internal sealed record RequestBodyLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
