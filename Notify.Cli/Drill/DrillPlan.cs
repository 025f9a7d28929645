using System.Globalization;

namespace Notify.Cli.Drill;

/// <summary>One message of the drill: which channel, whether its contact is one the sandbox refuses, and its address.</summary>
public sealed record PlannedMessage(int Index, string Channel, bool Invalid, string Recipient);

/// <summary>
/// The messages of one drill run, decided up front and deterministically: message <c>i</c> goes
/// to WhatsApp when <c>37·i mod 100</c> falls below the WhatsApp share (37 and 100 are
/// coprime, so every 100 consecutive messages split exactly), and the <c>j</c>-th message of a
/// channel is to an invalid contact when <c>37·j mod 100</c> falls below the invalid share:
/// 10,000 messages are exactly 6,000 WhatsApp and 4,000 email, 500 of them invalid.
/// </summary>
/// <remarks>
/// Addresses are unique per run (the run id is in them) and fall in ranges nothing else uses,
/// so the sandbox's invalid-recipient patterns set for the run catch exactly the planned
/// invalid contacts: email <c>drill-invalid-{run}-…@example.com</c>, WhatsApp numbers
/// <c>+1 312 5xx xxxx</c> (valid ones are <c>+1 206 5xx xxxx</c>).
/// </remarks>
public sealed class DrillPlan
{
    public const string Email = "email";
    public const string WhatsApp = "whatsapp";

    /// <summary>The channels the drill runs on, each with two replicas.</summary>
    public static readonly IReadOnlyList<string> Channels = [Email, WhatsApp];

    /// <summary>The providers behind each channel, as the sandbox names them (email fails over from SendGrid to SMTP).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Providers = new Dictionary<string, IReadOnlyList<string>>
    {
        [Email] = ["sendgrid", "smtp"],
        [WhatsApp] = ["whatsapp"],
    };

    private const string InvalidWhatsAppPrefix = "+13125";
    private const string ValidWhatsAppPrefix = "+12065";

    public DrillPlan(string runId, DrillOptions options)
    {
        RunId = runId;
        Options = options;
        var perChannel = new Dictionary<string, int>(StringComparer.Ordinal);
        var messages = new List<PlannedMessage>(options.Messages);
        for (var i = 0; i < options.Messages; i++)
        {
            var channel = Slot(i) < options.WhatsAppPercent ? WhatsApp : Email;
            var j = perChannel.GetValueOrDefault(channel);
            perChannel[channel] = j + 1;
            var invalid = Slot(j) < options.InvalidPercent;
            messages.Add(new PlannedMessage(i, channel, invalid, Recipient(channel, invalid, i)));
        }
        Messages = messages;
    }

    /// <summary>The run's id, in idempotency keys, addresses and the evidence: the start time, <c>yyyyMMdd_HHmmss</c>.</summary>
    public string RunId { get; }

    public DrillOptions Options { get; }

    public IReadOnlyList<PlannedMessage> Messages { get; }

    public int CountOf(string channel) => Messages.Count(m => m.Channel == channel);

    public int InvalidOf(string channel) => Messages.Count(m => m.Channel == channel && m.Invalid);

    public int Invalid => Messages.Count(m => m.Invalid);

    /// <summary>The idempotency key of a message: seeding again after a failed call changes nothing.</summary>
    public string IdempotencyKey(PlannedMessage message) => $"drill-{RunId}-{message.Index}";

    /// <summary>The sandbox pattern that refuses this run's invalid contacts of <paramref name="channel"/> (per provider).</summary>
    public string InvalidRecipientPattern(string channel) => channel == Email
        ? $"^drill-invalid-{RunIdToken}-"
        : $"^\\+?{InvalidWhatsAppPrefix[1..]}[0-9]{{6}}$";

    private string RunIdToken => RunId.Replace("_", "", StringComparison.Ordinal);

    private string Recipient(string channel, bool invalid, int index) => channel == Email
        ? $"drill-{(invalid ? "invalid-" : "")}{RunIdToken}-{index.ToString("D6", CultureInfo.InvariantCulture)}@example.com"
        : (invalid ? InvalidWhatsAppPrefix : ValidWhatsAppPrefix) + index.ToString("D6", CultureInfo.InvariantCulture);

    private static int Slot(int n) => (int)(37L * n % 100);
}
