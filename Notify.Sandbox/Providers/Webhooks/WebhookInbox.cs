using System.Text;

namespace Notify.Sandbox.Providers.Webhooks;

/// <summary>A webhook request the sandbox accepted, exactly as it arrived (for tests that verify signatures themselves).</summary>
public sealed record ReceivedWebhook(
    string Endpoint,
    string? WebhookId,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    DateTimeOffset ReceivedAt);

/// <summary>
/// The accepted webhook requests, newest last, bounded so a long-running sandbox does not grow
/// without end. Bodies are kept in memory for the control API only; they are never logged.
/// </summary>
public sealed class WebhookInbox
{
    public const int Capacity = 10_000;

    // What a test needs to verify a signature and check tracing; nothing else is kept.
    private static readonly string[] KeptHeaders =
        ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent", "traceparent", "tracestate"];

    private readonly Lock _lock = new();
    private readonly LinkedList<ReceivedWebhook> _received = new();

    public void Add(string endpoint, HttpRequest request, byte[] body, DateTimeOffset receivedAt)
    {
        var headers = KeptHeaders
            .Where(name => request.Headers.ContainsKey(name))
            .ToDictionary(name => name, name => request.Headers[name].ToString(), StringComparer.Ordinal);
        var received = new ReceivedWebhook(endpoint, headers.GetValueOrDefault("webhook-id"), headers, Encoding.UTF8.GetString(body), receivedAt);
        lock (_lock)
        {
            _received.AddLast(received);
            if (_received.Count > Capacity)
            {
                _received.RemoveFirst();
            }
        }
    }

    public IReadOnlyList<ReceivedWebhook> Find(string? webhookId, string? endpoint)
    {
        lock (_lock)
        {
            return _received
                .Where(r => (webhookId is null || r.WebhookId == webhookId) && (endpoint is null || r.Endpoint == endpoint))
                .ToList();
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _received.Clear();
        }
    }
}
