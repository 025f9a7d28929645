using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Notify.Grpc.V1;
using Notify.Ingress.Options;
using Notify.Ingress.Templates;
using Notify.Templates;

namespace Notify.Ingress.Validation;

/// <summary>
/// Checks a Send request field by field and collects every problem, so a caller fixes them
/// all in one round. Descriptions state the rule; they never repeat the value.
/// </summary>
internal sealed partial class SendRequestValidator(IOptions<IngressOptions> options, TimeProvider time)
{
    public const int MaxDataBytes = 64 * 1024;
    private const int MaxEmailBodyBytes = 256 * 1024;
    private const int MaxPushDevices = 20;

    private readonly HashSet<string> _allowedHttpHosts = new(options.Value.AllowedHttpWebhookHosts, StringComparer.OrdinalIgnoreCase);

    public ValidatedSend? Validate(SendRequest request, FieldViolations violations)
    {
        var now = time.GetUtcNow().UtcDateTime;

        if (request.IdempotencyKey.Length == 0)
        {
            violations.Add("idempotency_key", "is required");
        }
        else
        {
            TextRules.Optional(violations, "idempotency_key", request.IdempotencyKey, 255);
        }

        var targets = ValidateChannelsAndRecipient(request, violations);
        ValidateBody(request, violations);

        if (!Enum.IsDefined(request.Priority))
        {
            violations.Add("priority", "is not a known priority");
        }

        DateTime? sendAt = null;
        DateTime? expiresAt = null;
        if (request.SendAt is { } s)
        {
            if (!TryToDateTime(s, out var value) || value > now.AddYears(1))
            {
                violations.Add("send_at", "must be a valid time at most one year ahead");
            }
            else
            {
                sendAt = value;
            }
        }
        if (request.ExpiresAt is { } e)
        {
            if (!TryToDateTime(e, out var value))
            {
                violations.Add("expires_at", "must be a valid time");
            }
            else if (value <= now)
            {
                violations.Add("expires_at", "must be in the future");
            }
            else if (sendAt is { } start && value <= start)
            {
                violations.Add("expires_at", "must be after send_at");
            }
            else
            {
                expiresAt = value;
            }
        }

        TextRules.Optional(violations, "correlation_id", request.CorrelationId, 255);
        TextRules.Optional(violations, "recipient.external_id", request.Recipient?.ExternalId ?? "", 255);
        ValidateMetadata(request, violations);

        if (!violations.IsEmpty)
        {
            return null;
        }
        string? locale = null;
        if (request.BodyCase == SendRequest.BodyOneofCase.Template)
        {
            LocaleTag.TryNormalize(request.Template.Locale, out var normalized);
            locale = normalized;
        }
        var priority = (short)(request.Priority == Priority.Bulk ? 1 : 0);
        return new ValidatedSend(request, targets, priority, sendAt, expiresAt, locale);
    }

    private List<DeliveryTarget> ValidateChannelsAndRecipient(SendRequest request, FieldViolations violations)
    {
        var targets = new List<DeliveryTarget>();
        if (request.Channels.Count == 0)
        {
            violations.Add("channels", "must name at least one channel");
            return targets;
        }
        var recipient = request.Recipient;
        if (recipient is null)
        {
            violations.Add("recipient", "is required");
            return targets;
        }

        var seen = new HashSet<Channel>();
        for (var i = 0; i < request.Channels.Count; i++)
        {
            var channel = request.Channels[i];
            var field = $"channels[{i}]";
            var name = Channels.ToName(channel);
            if (name is null)
            {
                violations.Add(field, "is not a known channel (use CHANNEL_EMAIL, CHANNEL_SMS, CHANNEL_WHATSAPP, CHANNEL_WEBHOOK or CHANNEL_PUSH)");
                continue;
            }
            if (!seen.Add(channel))
            {
                violations.Add(field, "names a channel already listed");
                continue;
            }
            AddTargets(channel, name, recipient, targets, violations);
        }
        return targets;
    }

    private void AddTargets(Channel channel, string name, Recipient recipient, List<DeliveryTarget> targets, FieldViolations violations)
    {
        switch (channel)
        {
            case Channel.Email:
            {
                var problem = AddressRules.Email(recipient.Email, out var email);
                if (problem is null) targets.Add(new(channel, name, email, null));
                else violations.Add("recipient.email", problem);
                break;
            }
            case Channel.Sms:
            {
                var problem = AddressRules.Phone(recipient.Phone, out var phone);
                if (problem is null) targets.Add(new(channel, name, phone, null));
                else violations.Add("recipient.phone", problem == "is required" ? "is required for the sms channel" : problem);
                break;
            }
            case Channel.Whatsapp:
            {
                var useWhatsApp = recipient.Whatsapp.Length > 0;
                var problem = AddressRules.Phone(useWhatsApp ? recipient.Whatsapp : recipient.Phone, out var number);
                if (problem is null) targets.Add(new(channel, name, number, null));
                else if (!useWhatsApp && recipient.Phone.Length == 0) violations.Add("recipient.whatsapp", "is required for the whatsapp channel (or set recipient.phone)");
                else violations.Add(useWhatsApp ? "recipient.whatsapp" : "recipient.phone", problem);
                break;
            }
            case Channel.Webhook:
            {
                var problem = AddressRules.WebhookUrl(recipient.WebhookUrl, _allowedHttpHosts);
                if (problem is null) targets.Add(new(channel, name, recipient.WebhookUrl, null));
                else violations.Add("recipient.webhook_url", problem);
                break;
            }
            case Channel.Push:
                AddPushTargets(name, recipient, targets, violations);
                break;
        }
    }

    private static void AddPushTargets(string name, Recipient recipient, List<DeliveryTarget> targets, FieldViolations violations)
    {
        if (recipient.PushDevices.Count == 0)
        {
            violations.Add("recipient.push_devices", "needs at least one device for the push channel");
            return;
        }
        if (recipient.PushDevices.Count > MaxPushDevices)
        {
            violations.Add("recipient.push_devices", $"must hold at most {MaxPushDevices} devices");
            return;
        }
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < recipient.PushDevices.Count; i++)
        {
            var device = recipient.PushDevices[i];
            var platform = device.Platform switch
            {
                PushPlatform.Fcm => "fcm",
                PushPlatform.Apns => "apns",
                _ => null,
            };
            if (platform is null)
            {
                violations.Add($"recipient.push_devices[{i}].platform", "must be PUSH_PLATFORM_FCM or PUSH_PLATFORM_APNS");
                continue;
            }
            var token = platform == "apns" ? device.Token.ToLowerInvariant() : device.Token;
            var problem = AddressRules.PushToken(token, platform == "apns");
            if (problem is not null)
            {
                violations.Add($"recipient.push_devices[{i}].token", problem);
            }
            else if (!tokens.Add(token))
            {
                violations.Add($"recipient.push_devices[{i}].token", "repeats a token listed before");
            }
            else
            {
                targets.Add(new(Channel.Push, name, token, platform));
            }
        }
    }

    private static void ValidateBody(SendRequest request, FieldViolations violations)
    {
        switch (request.BodyCase)
        {
            case SendRequest.BodyOneofCase.Template:
                ValidateTemplateRef(request.Template, violations);
                break;
            case SendRequest.BodyOneofCase.Content:
                foreach (var channel in request.Channels.Distinct())
                {
                    ContentRules.Validate(channel, request.Content, violations);
                }
                break;
            default:
                violations.Add("body", "set either template or content");
                break;
        }
    }

    private static void ValidateTemplateRef(TemplateRef template, FieldViolations violations)
    {
        if (!TemplateIdPattern().IsMatch(template.TemplateId))
        {
            violations.Add("template.template_id", "must be 1 to 128 letters, digits, '.', '_' or '-'");
        }
        if (!LocaleTag.TryNormalize(template.Locale, out _))
        {
            violations.Add("template.locale", "must be a BCP 47 locale such as en or pt-BR");
        }
        if (template.Data is { } data)
        {
            if (data.CalculateSize() > MaxDataBytes)
            {
                violations.Add("template.data", "must be at most 64 KiB serialized");
            }
            else if (TextRules.HasNul(data))
            {
                violations.Add("template.data", "must not contain NUL characters");
            }
        }
    }

    private static void ValidateMetadata(SendRequest request, FieldViolations violations)
    {
        if (request.Metadata.Count > 32)
        {
            violations.Add("metadata", "must hold at most 32 entries");
            return;
        }
        foreach (var (key, value) in request.Metadata)
        {
            if (key.Length is 0 or > 64 || TextRules.HasControlCharacters(key))
            {
                violations.Add("metadata", "keys must be 1 to 64 characters without control characters");
                return;
            }
            if (value.Length > 512 || TextRules.HasNul(value))
            {
                violations.Add($"metadata[{key}]", "must be at most 512 characters without NUL");
            }
        }
    }

    private static bool TryToDateTime(Google.Protobuf.WellKnownTypes.Timestamp timestamp, out DateTime value)
    {
        try
        {
            value = timestamp.ToDateTime();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default;
            return false;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex TemplateIdPattern();
}
