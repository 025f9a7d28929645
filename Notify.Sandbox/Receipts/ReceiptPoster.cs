using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Notify.Sandbox.Receipts;

/// <summary>What a receiver made of one try: its HTTP status, or why there was none.</summary>
public readonly record struct ReceiptAnswer(int? Status, string? Failure)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public override string ToString() => Status is { } status ? $"HTTP {status}" : $"no answer ({Failure})";
}

/// <summary>
/// POSTs one receipt once, signed at that moment, and notes the try in the <see cref="ReceiptLog"/>.
/// Its HTTP client resolves service names (<c>http://email</c>) through service discovery and has
/// no resilience handler: retries are the sender's, on the provider's schedule.
/// </summary>
public sealed class ReceiptPoster(IHttpClientFactory clients, ReceiptLog log, IOptions<SandboxOptions> options, TimeProvider time)
{
    public const string ClientName = "receipts";

    public async Task<ReceiptAnswer> PostAsync(Receipt receipt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, receipt.Url) { Content = new ByteArrayContent(receipt.Body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(receipt.ContentType);
        foreach (var (name, value) in receipt.Headers.Concat(receipt.Signer?.Sign(receipt) ?? []))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(options.Value.Receipts.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        ReceiptAnswer answer;
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            answer = new((int)response.StatusCode, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            answer = new(null, "timed out");
        }
        catch (HttpRequestException ex)
        {
            answer = new(null, ex.HttpRequestError.ToString());
        }
        catch (InvalidOperationException ex)
        {
            // Service discovery found no endpoint for the name (no services__{name}__http__0).
            answer = new(null, ex.GetType().Name);
        }
        log.Tried(receipt, answer.Status, time.GetUtcNow());
        return answer;
    }
}
