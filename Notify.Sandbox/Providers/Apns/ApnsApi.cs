using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Apns;

/// <summary>
/// The APNs provider API: <c>POST /3/device/{token}</c> over HTTP/2 only (the sandbox's <c>apns</c>
/// endpoint speaks h2c), token-based authentication (<see cref="ApnsProviderTokens"/>), Apple's
/// header and payload rules (<see cref="ApnsRequestRules"/>). Success is <c>200</c> with the
/// <c>apns-id</c> header and no body. The delivery id is the <c>apns-id</c> the client chose
/// (Notify sends its delivery id there), else the <c>X-Notify-Delivery-Id</c> header.
/// </summary>
public static class ApnsApi
{
    public static IEndpointRouteBuilder MapApns(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/3/device/{deviceToken}", SendAsync);
        routes.MapMethods("/3/device/{deviceToken}", ["GET", "PUT", "DELETE", "PATCH"], (HttpRequest request) =>
            WithApnsId(ApnsErrors.Reason(405, "MethodNotAllowed"), request));
        return routes;
    }

    private static async Task<IResult> SendAsync(
        string deviceToken, HttpRequest request, ProviderGate gate, ApnsErrors errors, ApnsProviderTokens tokens,
        IOptions<SandboxOptions> options, TimeProvider time)
    {
        const string provider = ProviderNames.Apns;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            // APNs speaks nothing but HTTP/2; a real client would not even get a connection.
            return gate.Reject(provider, 505, "HTTP/2 required", Results.StatusCode(505));
        }
        if (tokens.Check(request, out var key) is { } refused)
        {
            return gate.Reject(provider, refused.Status, refused.Reason, WithApnsId(ApnsErrors.Reason(refused.Status, refused.Reason), request));
        }
        if (ApnsRequestRules.CheckHeaders(request, deviceToken, key!) is { } badHeader)
        {
            return gate.Reject(provider, badHeader.Status, badHeader.Reason, WithApnsId(ApnsErrors.Reason(badHeader.Status, badHeader.Reason), request));
        }
        var payload = await ReadPayloadAsync(request, options.Value.Apns.MaxPayloadBytes);
        if (gate.InjectFault(errors, request.HttpContext) is { } fault)
        {
            return WithApnsId(fault, request);
        }
        if (ApnsRequestRules.CheckPayload(payload, options.Value.Apns.MaxPayloadBytes) is { } badPayload)
        {
            return gate.Reject(provider, badPayload.Status, badPayload.Reason, WithApnsId(ApnsErrors.Reason(badPayload.Status, badPayload.Reason), request));
        }
        if (gate.IsInvalidRecipient(provider, deviceToken))
        {
            return gate.Reject(provider, 410, "Unregistered", WithApnsId(ApnsErrors.Unregistered(time.GetUtcNow()), request));
        }

        var apnsId = request.Headers["apns-id"].ToString() is { Length: > 0 } chosen ? chosen : Guid.NewGuid().ToString();
        var deliveryId = request.Headers["apns-id"].Count > 0 ? apnsId : ProviderResults.DeliveryIdFromHeader(request);
        gate.Accept(provider, deviceToken.ToLowerInvariant(), deliveryId, apnsId, traceparent: ProviderResults.Traceparent(request));
        return Results.Ok().WithHeader("apns-id", apnsId);
    }

    /// <summary>The body, read up to one byte past the limit (enough to know it is too large).</summary>
    private static async Task<byte[]> ReadPayloadAsync(HttpRequest request, int maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length <= maxBytes && (read = await request.Body.ReadAsync(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>APNs echoes the request's <c>apns-id</c> on errors too.</summary>
    private static IResult WithApnsId(IResult result, HttpRequest request) =>
        request.Headers["apns-id"].ToString() is { Length: > 0 } id ? result.WithHeader("apns-id", id) : result;
}
