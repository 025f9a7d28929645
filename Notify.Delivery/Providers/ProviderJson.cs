using System.Text.Json;

namespace Notify.Delivery.Providers;

/// <summary>Reads a provider's answer body as JSON, leniently: an answer is classified even when its body is not JSON.</summary>
public static class ProviderJson
{
    /// <summary>The body parsed, or null when it is not JSON (a proxy's HTML error page, say): then the HTTP status alone classifies the answer.</summary>
    public static async Task<JsonDocument?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        try
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
