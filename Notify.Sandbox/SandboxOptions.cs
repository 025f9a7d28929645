using Notify.Sandbox.Faults;

namespace Notify.Sandbox;

/// <summary>The <c>Sandbox</c> configuration section.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Chooses where in the fault cycle each provider starts, so a run is reproducible (see <see cref="FaultInjector"/>).</summary>
    public int Seed { get; set; }

    /// <summary>Faults active at start, by provider name (<c>sendgrid</c>, <c>twilio</c>, <c>whatsapp</c>, <c>fcm</c>, <c>smtp</c>).</summary>
    public Dictionary<string, FaultSettings> Faults { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public SendGridOptions SendGrid { get; set; } = new();

    public TwilioOptions Twilio { get; set; } = new();

    public WhatsAppOptions WhatsApp { get; set; } = new();

    public FcmOptions Fcm { get; set; } = new();

    public SmtpOptions Smtp { get; set; } = new();
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
