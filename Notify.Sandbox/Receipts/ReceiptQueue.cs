using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Notify.Sandbox.Recording;

namespace Notify.Sandbox.Receipts;

/// <summary>A message's receipts, sent in order, and the <see cref="ReceiptLog"/> generation they belong to.</summary>
public sealed record ReceiptPlan(IReadOnlyList<Receipt> Receipts, long Generation);

/// <summary>
/// The receipt scheduler: composes an accepted message's receipts in the provider's format and
/// queues them for <see cref="ReceiptSender"/>. A bounded queue that is full drops the message's
/// receipts with a warning rather than making the provider endpoint wait.
/// </summary>
public sealed class ReceiptQueue : IReceiptScheduler
{
    private readonly Channel<ReceiptPlan> _channel;
    private readonly ReceiptOptions _options;
    private readonly ReceiptLog _log;
    private readonly SendGridEvents _sendGrid;
    private readonly TwilioStatusCallbacks _twilio;
    private readonly WhatsAppStatuses _whatsApp;
    private readonly ILogger<ReceiptQueue> _logger;

    public ReceiptQueue(IOptions<SandboxOptions> options, ReceiptLog log, SendGridEvents sendGrid, TwilioStatusCallbacks twilio,
        WhatsAppStatuses whatsApp, ILogger<ReceiptQueue> logger)
    {
        _options = options.Value.Receipts;
        _log = log;
        _sendGrid = sendGrid;
        _twilio = twilio;
        _whatsApp = whatsApp;
        _logger = logger;
        // Wait mode only so that TryWrite reports a full queue (DropWrite would drop silently); nothing ever waits to write.
        _channel = Channel.CreateBounded<ReceiptPlan>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<ReceiptPlan> Reader => _channel.Reader;

    public void MessageAccepted(RecordedMessage message, ReceiptContext context)
    {
        if (!_options.Enabled)
        {
            return;
        }
        var receipts = context switch
        {
            SendGridReceiptContext sendGrid => _sendGrid.Compose(message, sendGrid),
            TwilioReceiptContext twilio => _twilio.Compose(message, twilio),
            WhatsAppReceiptContext whatsApp => _whatsApp.Compose(message, whatsApp),
            _ => throw new ArgumentOutOfRangeException(nameof(context), context.GetType().Name, "No receipts for this kind of message."),
        };
        if (receipts.Count == 0)
        {
            return;
        }
        var generation = _log.Generation;
        if (!_channel.Writer.TryWrite(new ReceiptPlan(receipts, generation)))
        {
            SandboxLog.ReceiptQueueFull(_logger, message.Provider, message.DeliveryId, RecipientMask.Mask(message.Recipient), _options.QueueCapacity);
            return;
        }
        _log.Add(receipts, generation);
    }
}
