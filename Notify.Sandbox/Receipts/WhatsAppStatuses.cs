using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Notify.Sandbox.Faults;
using Notify.Sandbox.Providers.WhatsApp;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Receipts;

/// <summary>
/// A WhatsApp message's status webhooks, each in Meta's <c>whatsapp_business_account</c>
/// envelope: <c>sent</c>, <c>delivered</c>, then <c>read</c>; or <c>failed</c> with the error its
/// magic recipient names (<see cref="WhatsAppOptions.ReceiptErrors"/>). Signed with the app
/// secret; without one none are sent, since Meta signs every webhook.
/// </summary>
public sealed class WhatsAppStatuses(IOptions<SandboxOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public IReadOnlyList<Receipt> Compose(RecordedMessage message, WhatsAppReceiptContext context)
    {
        var sandbox = options.Value;
        var receipts = sandbox.Receipts.WhatsApp;
        if (receipts.AppSecret is not { Length: > 0 } appSecret)
        {
            return [];
        }
        var recipientId = new string([.. message.Recipient.Where(char.IsAsciiDigit)]);
        int? errorCode = sandbox.WhatsApp.ReceiptErrors.TryGetValue(recipientId, out var code) ? code : null;
        List<string> statuses = errorCode is null ? ["sent", "delivered"] : ["failed"];
        if (errorCode is null && receipts.SendRead)
        {
            statuses.Add("read");
        }

        var start = time.GetUtcNow();
        var result = new List<Receipt>(statuses.Count);
        for (var i = 0; i < statuses.Count; i++)
        {
            var status = new
            {
                id = message.ProviderMessageId,
                status = statuses[i],
                timestamp = (start + sandbox.Receipts.Delay * (i + 1)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                recipient_id = recipientId,
                biz_opaque_callback_data = context.CallbackData,
                errors = statuses[i] == "failed" ? new[] { Error(errorCode!.Value) } : null,
            };
            var envelope = new
            {
                @object = "whatsapp_business_account",
                entry = new[]
                {
                    new
                    {
                        id = receipts.BusinessAccountId,
                        changes = new[]
                        {
                            new
                            {
                                field = "messages",
                                value = new
                                {
                                    messaging_product = "whatsapp",
                                    metadata = new { display_phone_number = receipts.DisplayPhoneNumber, phone_number_id = context.PhoneNumberId },
                                    statuses = new[] { status },
                                },
                            },
                        },
                    },
                },
            };
            var body = JsonSerializer.SerializeToUtf8Bytes(envelope, Json);
            result.Add(new Receipt(ProviderNames.WhatsApp, message.DeliveryId, message.ProviderMessageId, message.Recipient, statuses[i],
                receipts.Url, body, "application/json",
                [new(HubSignature.Header, HubSignature.Compute(appSecret, body)), new("User-Agent", "facebookexternalua")],
                signer: null));
        }
        return result;
    }

    private static object Error(int code)
    {
        var (title, details) = WhatsAppErrors.Describe(code);
        return new
        {
            code,
            title,
            message = title,
            error_data = new { details },
            href = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        };
    }
}
