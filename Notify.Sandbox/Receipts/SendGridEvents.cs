using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// A SendGrid personalization's Event Webhook events: <c>processed</c>, then what its recipient's
/// magic local part chooses (<see cref="SendGridOptions.ReceiptOutcomes"/>), else <c>delivered</c>.
/// Each event is one POST of a one-element JSON array followed by CRLF, as in SendGrid's own test
/// vector, with the send's <c>custom_args</c> as top-level keys.
/// </summary>
public sealed class SendGridEvents(IOptions<SandboxOptions> options, SendGridEventSigner signer, TimeProvider time)
{
    // SendGrid writes '<', '>' and '+' as they are (smtp-id "<…@ismtpd…>"); the default encoder would escape them.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    public IReadOnlyList<Receipt> Compose(RecordedMessage message, SendGridReceiptContext context)
    {
        var sandbox = options.Value;
        var xMessageId = message.ProviderMessageId;
        var common = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in context.CustomArgs)
        {
            common[name] = value;
        }
        // SendGrid's own fields win over a custom arg of the same name.
        common["email"] = message.Recipient;
        common["sg_message_id"] = $"{xMessageId}.filterdrecv-sandbox-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}-{context.Personalization}.0";
        common["smtp-id"] = $"<{xMessageId}@ismtpd0001p1sandbox.sendgrid.net>";

        var events = EventsFor(OutcomeOf(message.Recipient, sandbox.SendGrid.ReceiptOutcomes));
        var start = time.GetUtcNow();
        var receipts = new List<Receipt>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var fields = new SortedDictionary<string, object>(common, StringComparer.Ordinal)
            {
                ["event"] = events[i].Name,
                ["sg_event_id"] = EventId(),
                ["timestamp"] = (start + sandbox.Receipts.Delay * (i + 1)).ToUnixTimeSeconds(),
            };
            foreach (var (name, value) in events[i].Fields)
            {
                fields[name] = value;
            }
            byte[] body = [.. JsonSerializer.SerializeToUtf8Bytes(new[] { fields }, Json), .. Crlf];
            receipts.Add(new Receipt(ProviderNames.SendGrid, message.DeliveryId, xMessageId, message.Recipient, events[i].Name,
                sandbox.Receipts.SendGrid.Url, body, "application/json",
                [new("User-Agent", "SendGrid Event API")], signer.IsEnabled ? signer : null));
        }
        return receipts;
    }

    /// <summary>The outcome of the longest configured prefix of the address's local part, else delivered.</summary>
    public static SendGridOutcome OutcomeOf(string email, IReadOnlyDictionary<string, SendGridOutcome> outcomes)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        var local = at < 0 ? email : email[..at];
        return outcomes
            .Where(o => o.Key.Length > 0 && local.StartsWith(o.Key, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(o => o.Key.Length)
            .Select(o => o.Value)
            .FirstOrDefault(SendGridOutcome.Delivered);
    }

    private static List<(string Name, Dictionary<string, object> Fields)> EventsFor(SendGridOutcome outcome)
    {
        (string, Dictionary<string, object>) processed = ("processed", []);
        (string, Dictionary<string, object>) delivered = ("delivered", new() { ["response"] = "250 OK" });
        return outcome switch
        {
            SendGridOutcome.Bounce => [processed, ("bounce", new()
            {
                ["type"] = "bounce",
                ["status"] = "5.1.1",
                ["reason"] = "550 5.1.1 The email account that you tried to reach does not exist.",
            })],
            SendGridOutcome.Dropped => [processed, ("dropped", new() { ["reason"] = "Bounced Address", ["status"] = "5.0.0" })],
            SendGridOutcome.SpamReport => [processed, delivered, ("spamreport", [])],
            SendGridOutcome.Unsubscribe => [processed, delivered, ("unsubscribe", [])],
            SendGridOutcome.Deferred => [processed, ("deferred", new()
            {
                ["response"] = "451 4.7.1 Please try again later",
                ["attempt"] = "1",
            }), delivered],
            _ => [processed, delivered],
        };
    }

    /// <summary>Unique and URL-safe, as SendGrid promises (22 characters of base64url).</summary>
    private static string EventId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
