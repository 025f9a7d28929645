using Notify.Sandbox.Faults;
using Notify.Sandbox.Receipts;

namespace Notify.Sandbox;

/// <summary>The <c>Sandbox</c> configuration section.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Chooses where in the fault cycle each provider starts, so a run is reproducible (see <see cref="FaultInjector"/>).</summary>
    public int Seed { get; set; }

    /// <summary>Faults active at start, by provider name (<c>sendgrid</c>, <c>twilio</c>, <c>whatsapp</c>, <c>fcm</c>, <c>apns</c>, <c>webhook</c>, <c>smtp</c>).</summary>
    public Dictionary<string, FaultSettings> Faults { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public SendGridOptions SendGrid { get; set; } = new();

    public TwilioOptions Twilio { get; set; } = new();

    public WhatsAppOptions WhatsApp { get; set; } = new();

    public FcmOptions Fcm { get; set; } = new();

    public ApnsOptions Apns { get; set; } = new();

    public WebhookReceiverOptions Webhook { get; set; } = new();

    public SmtpOptions Smtp { get; set; } = new();

    public ReceiptOptions Receipts { get; set; } = new();
}

public sealed class SendGridOptions
{
    /// <summary>API keys accepted as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Bodies above this answer 413; SendGrid documents 20 MB in one place and 30 MB in another.</summary>
    public long MaxRequestBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// Magic recipients: an address whose local part starts with a key (longest key wins, any case)
    /// gets that outcome's events instead of <c>processed</c>, <c>delivered</c>. Configuration adds
    /// to these defaults.
    /// </summary>
    public Dictionary<string, SendGridOutcome> ReceiptOutcomes { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bounce"] = SendGridOutcome.Bounce,
        ["dropped"] = SendGridOutcome.Dropped,
        ["spamreport"] = SendGridOutcome.SpamReport,
        ["unsubscribe"] = SendGridOutcome.Unsubscribe,
        ["deferred"] = SendGridOutcome.Deferred,
    };
}

/// <summary>What happens to a SendGrid message after <c>processed</c>.</summary>
public enum SendGridOutcome
{
    /// <summary><c>delivered</c>.</summary>
    Delivered,

    /// <summary><c>bounce</c> (type bounce, 5.1.1): the address does not exist.</summary>
    Bounce,

    /// <summary><c>dropped</c> ("Bounced Address"): SendGrid did not even try.</summary>
    Dropped,

    /// <summary><c>delivered</c>, then the recipient marks it as spam.</summary>
    SpamReport,

    /// <summary><c>delivered</c>, then the recipient unsubscribes.</summary>
    Unsubscribe,

    /// <summary><c>deferred</c> once by the receiving server, then <c>delivered</c>.</summary>
    Deferred,
}

public sealed class TwilioOptions
{
    /// <summary>Auth token by account SID (<c>AC</c> + 32 hex digits), checked with HTTP Basic.</summary>
    public Dictionary<string, string> Accounts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Magic recipients (the number's digits) whose status callbacks end <c>undelivered</c> with
    /// this <c>ErrorCode</c> instead of <c>delivered</c>. Configuration adds to these defaults.
    /// </summary>
    public Dictionary<string, int> ReceiptErrors { get; set; } = new(StringComparer.Ordinal)
    {
        ["14155530003"] = 30003, // unreachable destination handset
        ["14155530005"] = 30005, // unknown destination handset
        ["14155530006"] = 30006, // landline or unreachable carrier
        ["14155530007"] = 30007, // message filtered
    };
}

public sealed class WhatsAppOptions
{
    /// <summary>Access tokens accepted as <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public List<string> AccessTokens { get; set; } = [];

    /// <summary>
    /// The approved templates, by name, as Meta's template registry would hold them: sends of
    /// another name or language answer 132001, a wrong number of body parameters 132000.
    /// Empty: every template is accepted.
    /// </summary>
    public Dictionary<string, WhatsAppTemplate> Templates { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Magic recipients (the number's digits) that always fail with a Graph error code, like
    /// Twilio's test numbers. Configuration adds to these defaults.
    /// </summary>
    public Dictionary<string, int> RecipientErrors { get; set; } = new(StringComparer.Ordinal)
    {
        ["14155551026"] = 131026, // message undeliverable
        ["14155551047"] = 131047, // re-engagement: outside the 24-hour window
        ["14155551048"] = 131048, // spam rate limit
        ["14155551050"] = 131050, // the user stopped marketing messages
        ["14155551056"] = 131056, // pair rate limit
        ["14155550429"] = 130429, // throughput reached (429 with Retry-After)
    };

    /// <summary>
    /// Magic recipients (the number's digits) that are accepted but whose status webhook reports
    /// <c>failed</c> with this error code. Configuration adds to these defaults.
    /// </summary>
    public Dictionary<string, int> ReceiptErrors { get; set; } = new(StringComparer.Ordinal)
    {
        ["14155552026"] = 131026, // message undeliverable
        ["14155552049"] = 131049, // not delivered to maintain healthy ecosystem engagement
        ["14155552050"] = 131050, // the user stopped marketing messages
    };
}

/// <summary>One approved template: the languages it exists in and how many body parameters it takes.</summary>
public sealed class WhatsAppTemplate
{
    public List<string> Languages { get; set; } = [];

    public int BodyParameters { get; set; }
}

public sealed class FcmOptions
{
    /// <summary>Lifetime of the access tokens the sandbox's <c>POST /token</c> issues.</summary>
    public int TokenLifetimeSeconds { get; set; } = 3599;

    /// <summary>
    /// Service accounts by <c>client_email</c>, with the public half of their key (PEM). When any
    /// are configured, <c>POST /token</c> checks each assertion as Google does: RS256 signature,
    /// known issuer, FCM scope, token-endpoint audience, at most an hour of life. When none are,
    /// any well-formed assertion is accepted.
    /// </summary>
    public Dictionary<string, string> ServiceAccounts { get; set; } = new(StringComparer.Ordinal);
}

public sealed class ApnsOptions
{
    /// <summary>APNs auth keys by Key ID (the provider token's <c>kid</c>).</summary>
    public Dictionary<string, ApnsKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Apple's limit for a notification's JSON payload (VoIP aside).</summary>
    public int MaxPayloadBytes { get; set; } = 4096;
}

public sealed class ApnsKeyOptions
{
    /// <summary>The team the key belongs to: the provider token's <c>iss</c> must name it.</summary>
    public string TeamId { get; set; } = "";

    /// <summary>The public half of the .p8 key (PEM, EC P-256).</summary>
    public string PublicKeyPem { get; set; } = "";

    /// <summary>Bundle ids this team may push to (<c>apns-topic</c>); empty allows any.</summary>
    public List<string> Topics { get; set; } = [];
}

public sealed class WebhookReceiverOptions
{
    /// <summary>
    /// Standard Webhooks secrets (<c>whsec_…</c>) the receiver accepts signatures from; the
    /// webhook process signs with the same ones in development.
    /// </summary>
    public List<string> SigningSecrets { get; set; } = [];

    /// <summary>How far a <c>webhook-timestamp</c> may be from now, either way (the reference libraries' 5 minutes).</summary>
    public int ToleranceSeconds { get; set; } = 300;

    /// <summary>Bodies above this answer 413.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
}

public sealed class SmtpOptions
{
    /// <summary>
    /// The TCP port of the SMTP listener; unset means no SMTP server, 0 a free port (tests).
    /// The AppHost passes the sandbox's <c>smtp</c> endpoint here (<c>Sandbox__Smtp__Port</c>).
    /// </summary>
    public int? Port { get; set; }

    /// <summary>The address the listener binds; loopback, as every endpoint of the local topology.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The name the server gives in its greeting and EHLO answer.</summary>
    public string Hostname { get; set; } = "smtp.sandbox.notify.local";

    /// <summary>
    /// Accounts for <c>AUTH PLAIN</c> / <c>AUTH LOGIN</c>: password by user name. When any is
    /// set a client must authenticate before <c>MAIL FROM</c>, as a submission server demands.
    /// </summary>
    public Dictionary<string, string> Users { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Messages above this are refused with 552 (advertised as EHLO <c>SIZE</c>).</summary>
    public long MaxMessageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>A connection silent this long is closed with 421, as servers do with idle clients.</summary>
    public int IdleTimeoutSeconds { get; set; } = 300;
}
