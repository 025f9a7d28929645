using System.Buffers.Text;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Notify.Grpc.V1;
using Notify.Ingress.Validation;
using Notify.Outbox;
using Notify.Outbox.Suppressions;

namespace Notify.Ingress.Suppressions;

/// <summary>
/// The suppression-list calls of <c>NotifyService</c>: requests validated (addresses normalised
/// the way a send normalises them, so an entry matches the deliveries it is meant to stop),
/// then <see cref="SuppressionStore"/>. Errors name the field, never echo the address.
/// </summary>
public sealed class SuppressionService(SuppressionStore store)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1_000;
    private const int MaxReasonLength = 64;

    public async Task<ListSuppressionsResponse> ListAsync(Guid tenantId, ListSuppressionsRequest request, CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        string? channel = null;
        if (request.Channel != Channel.Unspecified && (channel = Channels.ToName(request.Channel)) is null)
        {
            violations.Add("channel", "is not a known channel");
        }
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            violations.Add("page_size", $"must be 0 to {MaxPageSize:N0}");
        }
        var after = ("", "");
        if (request.PageToken.Length > 0 && !TryDecode(request.PageToken, out after))
        {
            violations.Add("page_token", "is not a token from a previous ListSuppressions response");
        }
        violations.ThrowIfAny();

        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var entries = await store.ListAsync(tenantId, channel, after.Item1, after.Item2, pageSize + 1, cancellationToken);
        var response = new ListSuppressionsResponse();
        response.Suppressions.AddRange(entries.Take(pageSize).Select(ToProto));
        if (entries.Count > pageSize)
        {
            var last = entries[pageSize - 1];
            response.NextPageToken = Encode(last.Channel, last.Address);
        }
        return response;
    }

    public async Task<Suppression> AddAsync(Guid tenantId, AddSuppressionRequest request, CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        var (channel, address) = Target(request.Channel, request.Address, violations);
        var reason = request.Reason.Length == 0 ? "manual" : request.Reason;
        if (reason.Length > MaxReasonLength || !reason.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            violations.Add("reason", $"must be lower-case letters, digits and '_', at most {MaxReasonLength} characters");
        }
        violations.ThrowIfAny();
        return ToProto(await store.AddAsync(tenantId, channel!, address!, reason, cancellationToken));
    }

    public async Task<RemoveSuppressionResponse> RemoveAsync(Guid tenantId, RemoveSuppressionRequest request, CancellationToken cancellationToken)
    {
        var violations = new FieldViolations();
        var (channel, address) = Target(request.Channel, request.Address, violations);
        violations.ThrowIfAny();
        return new RemoveSuppressionResponse { Removed = await store.RemoveAsync(tenantId, channel!, address!, cancellationToken) };
    }

    /// <summary>The channel name and the address as deliveries store it, or violations.</summary>
    private static (string? Channel, string? Address) Target(Channel channel, string address, FieldViolations violations)
    {
        var name = Channels.ToName(channel);
        if (name is null)
        {
            violations.Add("channel", "is required: one of CHANNEL_EMAIL, CHANNEL_SMS, CHANNEL_WHATSAPP, CHANNEL_WEBHOOK, CHANNEL_PUSH");
            return (null, null);
        }
        string normalized;
        var problem = name switch
        {
            ChannelNames.Email => AddressRules.Email(address, out normalized),
            ChannelNames.Sms or ChannelNames.WhatsApp => AddressRules.Phone(address, out normalized),
            ChannelNames.Webhook => WebhookAddress(address, out normalized),
            _ => AddressRules.PushToken(normalized = address.Trim(), apns: false),   // FCM's alphabet includes APNs' hex digits
        };
        if (problem is not null)
        {
            violations.Add("address", problem);
            return (name, null);
        }
        return (name, normalized);
    }

    /// <summary>Webhook deliveries store the endpoint URL as sent; only its shape is checked here.</summary>
    private static string? WebhookAddress(string value, out string normalized)
    {
        normalized = value.Trim();
        if (normalized.Length is 0 or > 2048)
        {
            return "must be the endpoint's URL, at most 2,048 characters";
        }
        return Uri.TryCreate(normalized, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? null
            : "must be an absolute http(s) URL";
    }

    private static Suppression ToProto(SuppressionEntry entry) => new()
    {
        Channel = Channels.FromName(entry.Channel),
        Address = entry.Address,
        Reason = entry.Reason,
        Source = entry.Source,
        CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(entry.CreatedAt, DateTimeKind.Utc)),
    };

    // The cursor is the last (channel, address) of a page. Channel names hold no newline.
    private static string Encode(string channel, string address) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{channel}\n{address}"));

    private static bool TryDecode(string token, out (string Channel, string Address) after)
    {
        after = ("", "");
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var split = text.IndexOf('\n', StringComparison.Ordinal);
            if (split <= 0 || !ChannelNames.All.Contains(text[..split]))
            {
                return false;
            }
            after = (text[..split], text[(split + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
