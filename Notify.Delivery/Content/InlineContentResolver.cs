using Notify.Outbox.Claiming;

namespace Notify.Delivery.Content;

/// <summary>Reads the inline content stored with the notification (protobuf bytes).</summary>
public sealed class InlineContentResolver : IContentResolver
{
    public ValueTask<ResolvedContent> ResolveAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Content is { Length: > 0 } bytes)
        {
            try
            {
                return ValueTask.FromResult(new ResolvedContent(Notify.Grpc.V1.Content.Parser.ParseFrom(bytes)));
            }
            catch (Google.Protobuf.InvalidProtocolBufferException)
            {
                return ValueTask.FromResult(ResolvedContent.Failed("CONTENT_UNREADABLE", "The stored content could not be read."));
            }
        }
        return ValueTask.FromResult(delivery.TemplateId is null
            ? ResolvedContent.Failed("NO_CONTENT", "The notification has no content.")
            : ResolvedContent.Failed("TEMPLATE_UNAVAILABLE", "This process cannot render templates."));
    }
}
