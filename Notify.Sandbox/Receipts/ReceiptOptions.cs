namespace Notify.Sandbox.Receipts;

/// <summary>The <c>Sandbox:Receipts</c> section: how and where the sandbox sends delivery receipts.</summary>
public sealed class ReceiptOptions
{
    /// <summary>The retries a receiver that answers non-2xx or cannot be reached gets when <see cref="RetryDelays"/> is unset.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    public bool Enabled { get; set; } = true;

    /// <summary>The wait before a message's first receipt and between its receipts, as a provider reports progress.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The waits before each retry of a receipt a receiver refused or did not answer; after the last
    /// the receipt is given up and logged. Empty means <see cref="DefaultRetryDelays"/> (a list with
    /// defaults of its own would have configured entries appended to them, not replace them).
    /// </summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? RetryDelays : DefaultRetryDelays;

    /// <summary>How long one POST may take before it counts as unreachable.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Accepted messages waiting for their receipts; beyond this, new messages get none (logged), so a provider endpoint never waits.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Messages whose receipts are in progress at once; each waits out its own delays and retries.</summary>
    public int MaxConcurrentMessages { get; set; } = 256;

    public SendGridReceiptOptions SendGrid { get; set; } = new();

    public WhatsAppReceiptOptions WhatsApp { get; set; } = new();
}

public sealed class SendGridReceiptOptions
{
    /// <summary>The Event Webhook URL (SendGrid has one per account); <c>http://email</c> is resolved by service discovery.</summary>
    public string Url { get; set; } = "http://email/webhooks/sendgrid";

    /// <summary>
    /// The private key of the Signed Event Webhook: base64 PKCS#8 DER of an EC P-256 key. Unset: the
    /// events go unsigned, as SendGrid's do while signing is off.
    /// </summary>
    public string? SigningKey { get; set; }
}

public sealed class WhatsAppReceiptOptions
{
    /// <summary>The app's webhook callback URL; <c>http://whatsapp</c> is resolved by service discovery.</summary>
    public string Url { get; set; } = "http://whatsapp/webhooks/whatsapp";

    /// <summary>
    /// The Meta app secret that signs each webhook (<c>X-Hub-Signature-256</c>). Meta never sends
    /// unsigned webhooks, so without one the sandbox sends no WhatsApp statuses.
    /// </summary>
    public string? AppSecret { get; set; }

    /// <summary>Whether a delivered message is also reported <c>read</c>, as when the user opens it.</summary>
    public bool SendRead { get; set; } = true;

    /// <summary>The WhatsApp Business Account id of the webhook's <c>entry[].id</c>.</summary>
    public string BusinessAccountId { get; set; } = "102290129340398";

    /// <summary>The sending number as <c>metadata.display_phone_number</c> shows it.</summary>
    public string DisplayPhoneNumber { get; set; } = "15550783881";
}
