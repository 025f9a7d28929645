using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Notify.Email.Smtp;

/// <summary>
/// The SMTP submission server (section <c>Notify:Email:Smtp</c>). The password comes from
/// configuration, is checked at start and never logged.
/// </summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string SectionName = "Notify:Email:Smtp";

    /// <summary>
    /// The server as <c>smtp://host[:port]</c>, resolved through service discovery: in
    /// development <c>smtp://sandbox</c> is the sandbox's <c>smtp</c> endpoint. Without a port,
    /// 465 for <see cref="SecureSocketOptions.SslOnConnect"/> and 587 otherwise.
    /// </summary>
    [Required]
    public Uri Url { get; set; } = new("smtp://localhost");

    /// <summary>
    /// <c>StartTls</c> (587, the default), <c>SslOnConnect</c> (465), or <c>None</c> for a local
    /// catcher. <c>StartTlsWhenAvailable</c> would silently send in clear text if the server
    /// stopped offering TLS, so it is refused.
    /// </summary>
    public SecureSocketOptions TlsMode { get; set; } = SecureSocketOptions.StartTls;

    /// <summary>Set both or neither; when set, every connection authenticates before it sends.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    [Required, EmailAddress]
    public string FromEmail { get; set; } = "";

    public string? FromName { get; set; }

    [EmailAddress]
    public string? ReplyTo { get; set; }

    /// <summary>The right-hand side of the Message-Ids Notify gives its mail; the sender's domain when unset.</summary>
    public string? MessageIdDomain { get; set; }

    /// <summary>Authenticated connections kept open and reused; also the most sends in flight at once.</summary>
    [Range(1, 64)]
    public int PoolSize { get; set; } = 4;

    /// <summary>A pooled connection idle longer than this is closed and opened afresh (servers drop idle clients).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest MailKit waits for one read or write on the socket.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public int Port => Url.IsDefaultPort || Url.Port <= 0 ? (TlsMode == SecureSocketOptions.SslOnConnect ? 465 : 587) : Url.Port;

    public string MessageIdHost => MessageIdDomain is { Length: > 0 } domain ? domain : FromEmail[(FromEmail.LastIndexOf('@') + 1)..];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Url.IsAbsoluteUri || Url.Scheme != "smtp" || Url.Host.Length == 0)
        {
            yield return new ValidationResult("Url must look like smtp://host or smtp://host:port.", [nameof(Url)]);
        }
        if (TlsMode == SecureSocketOptions.StartTlsWhenAvailable)
        {
            yield return new ValidationResult("TlsMode StartTlsWhenAvailable would fall back to clear text; use StartTls, SslOnConnect, or None for a local server.", [nameof(TlsMode)]);
        }
        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("Set both Username and Password, or neither.", [nameof(Username), nameof(Password)]);
        }
        if (IdleTimeout <= TimeSpan.Zero || Timeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("IdleTimeout and Timeout must be positive.", [nameof(IdleTimeout), nameof(Timeout)]);
        }
    }

    /// <summary>Never prints the password, should the options ever be logged.</summary>
    public override string ToString() => $"SMTP {Url} ({TlsMode}) from {FromEmail}";
}
