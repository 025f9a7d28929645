using Notify.Outbox.Claiming;

namespace Notify.Delivery.Content;

/// <summary>
/// Gives the content a provider sends for one delivery: the notification's inline content,
/// or its template rendered for the delivery's channel and locale from the version pinned
/// at ingest.
/// </summary>
public interface IContentResolver
{
    /// <summary>The content, or a reason it cannot be had (a permanent failure of the delivery).</summary>
    ValueTask<ResolvedContent> ResolveAsync(ClaimedDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>Either <see cref="Content"/> or an error code and message saying why there is none.</summary>
public readonly record struct ResolvedContent(Notify.Grpc.V1.Content? Content, string? ErrorCode = null, string? ErrorMessage = null)
{
    public static ResolvedContent Failed(string code, string message) => new(null, code, message);
}
