using Notify.Outbox;
using Notify.Receipts;

namespace Notify.Sms.Receipts;

public static class SmsReceiptExtensions
{
    /// <summary>The receipt pipeline with Twilio's status callbacks (tokens from <c>Notify:Sms:Twilio</c>).</summary>
    public static IHostApplicationBuilder AddSmsReceipts(this IHostApplicationBuilder builder)
        => builder.AddReceipts<TwilioStatusCallback>(ChannelNames.Sms);

    /// <summary>Twilio's status callbacks at <c>POST /webhooks/twilio/status</c>.</summary>
    public static void MapSmsReceipts(this WebApplication app) => app.MapReceiptEndpoint<TwilioStatusCallback>(StatusCallbackUrl.Path);
}
