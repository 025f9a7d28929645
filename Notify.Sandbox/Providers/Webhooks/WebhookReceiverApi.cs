using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;

namespace Notify.Sandbox.Providers.Webhooks;

/// <summary>
/// A tenant's webhook endpoint (<c>POST /webhooks/{endpoint}</c>): verifies the Standard
/// Webhooks signature with the configured secrets (401 when it does not verify or the
/// timestamp is stale), applies the faults injected for provider <c>webhook</c> (429 with
/// <c>Retry-After</c>, 500, outage 503, hang; <c>410 Gone</c> for endpoints matching
/// <c>invalidRecipientPattern</c>), and records the message under its <c>webhook-id</c>.
/// </summary>
public static class WebhookReceiverApi
{
    public static IEndpointRouteBuilder MapWebhookReceiver(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/webhooks/{endpoint}", ReceiveAsync);
        return routes;
    }

    private static async Task<IResult> ReceiveAsync(string endpoint, HttpRequest request, ProviderGate gate, WebhookErrors errors,
        WebhookInbox inbox, WebhookKeys keys, IOptions<SandboxOptions> options, TimeProvider time)
    {
        const string provider = ProviderNames.Webhook;
        var settings = options.Value.Webhook;
        if (await ReadBodyAsync(request, settings.MaxBodyBytes) is not { } body)
        {
            return gate.Reject(provider, 413, "body too large", WebhookErrors.Body(413, "payload too large"));
        }
        var id = request.Headers["webhook-id"].ToString();
        var problem = StandardWebhookVerifier.Verify(id, request.Headers["webhook-timestamp"], request.Headers["webhook-signature"], body,
            keys.Keys, time.GetUtcNow(), TimeSpan.FromSeconds(settings.ToleranceSeconds));
        if (problem is not null)
        {
            return gate.Reject(provider, 401, problem, WebhookErrors.Unauthorized(problem));
        }
        if (gate.InjectFault(errors, request.HttpContext) is { } fault)
        {
            return fault;
        }
        if (gate.IsInvalidRecipient(provider, endpoint))
        {
            return gate.Reject(provider, 410, "gone", WebhookErrors.Gone());
        }

        inbox.Add(endpoint, request, body, time.GetUtcNow());
        var message = gate.Accept(provider, endpoint, id, id, traceparent: ProviderResults.Traceparent(request));
        return Results.Json(new { received = true, arrival = message.Arrival });
    }

    /// <summary>The raw body (the signature covers its exact bytes), or null when it exceeds <paramref name="maxBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}

/// <summary>The sandbox's webhook signing keys, decoded once from <c>Sandbox:Webhook:SigningSecrets</c>.</summary>
public sealed class WebhookKeys(IOptions<SandboxOptions> options)
{
    public IReadOnlyList<byte[]> Keys { get; } =
        [.. options.Value.Webhook.SigningSecrets.Select(StandardWebhookVerifier.DecodeSecret).OfType<byte[]>()];
}
