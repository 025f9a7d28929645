using Notify.Sandbox.Faults;

namespace Notify.Sandbox;

/// <summary>The <c>Sandbox</c> configuration section.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Chooses where in the fault cycle each provider starts, so a run is reproducible (see <see cref="FaultInjector"/>).</summary>
    public int Seed { get; set; }

    /// <summary>Faults active at start, by provider name (<c>sendgrid</c>, <c>twilio</c>, <c>whatsapp</c>, <c>fcm</c>, <c>webhook</c>).</summary>
    public Dictionary<string, FaultSettings> Faults { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public SendGridOptions SendGrid { get; set; } = new();

    public TwilioOptions Twilio { get; set; } = new();

    public WhatsAppOptions WhatsApp { get; set; } = new();

    public FcmOptions Fcm { get; set; } = new();

    public WebhookReceiverOptions Webhook { get; set; } = new();
}

public sealed class SendGridOptions
{
    /// <summary>API keys accepted as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Bodies above this answer 413; SendGrid documents 20 MB in one place and 30 MB in another.</summary>
    public long MaxRequestBytes { get; set; } = 20 * 1024 * 1024;
}

public sealed class TwilioOptions
{
    /// <summary>Auth token by account SID (<c>AC</c> + 32 hex digits), checked with HTTP Basic.</summary>
    public Dictionary<string, string> Accounts { get; set; } = new(StringComparer.Ordinal);
}

public sealed class WhatsAppOptions
{
    /// <summary>Access tokens accepted as <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public List<string> AccessTokens { get; set; } = [];
}

public sealed class FcmOptions
{
    /// <summary>Lifetime of the access tokens the sandbox's <c>POST /token</c> issues.</summary>
    public int TokenLifetimeSeconds { get; set; } = 3599;
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
