using System.ComponentModel.DataAnnotations;
using MailKit.Security;
using Notify.Email;
using Notify.Email.Smtp;

namespace Notify.Tests.Email;

/// <summary>Bad email settings stop the process at start with a message naming the setting.</summary>
public sealed class EmailOptionsTests
{
    [Theory]
    [InlineData(new[] { "sendgrid", "smtp" }, null)]
    [InlineData(new[] { "smtp" }, null)]
    [InlineData(new[] { "mailgun" }, "'mailgun'")]
    [InlineData(new[] { "smtp", "smtp" }, "more than once")]
    [InlineData(new string[0], "at least one")]
    public void The_provider_list_must_name_known_providers_once(string[] providers, string? problem)
    {
        var options = new EmailOptions { Providers = providers };

        var errors = options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage).ToList();

        if (problem is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e!.Contains(problem, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Unset_providers_mean_sendgrid_then_smtp()
    {
        Assert.Equal(["sendgrid", "smtp"], new EmailOptions().Order);
    }

    [Fact]
    public void Smtp_settings_refuse_a_clear_text_fallback_half_credentials_and_other_schemes()
    {
        var options = new SmtpOptions
        {
            Url = new Uri("http://mail.example.com"),
            TlsMode = SecureSocketOptions.StartTlsWhenAvailable,
            Username = "notify",
            FromEmail = "noreply@example.com",
        };

        var errors = options.Validate(new ValidationContext(options)).SelectMany(e => e.MemberNames).ToList();

        Assert.Contains(nameof(SmtpOptions.Url), errors);
        Assert.Contains(nameof(SmtpOptions.TlsMode), errors);
        Assert.Contains(nameof(SmtpOptions.Password), errors);
        Assert.DoesNotContain("notify", options.ToString());
    }

    [Theory]
    [InlineData("smtp://mail.example.com", SecureSocketOptions.StartTls, 587)]
    [InlineData("smtp://mail.example.com", SecureSocketOptions.SslOnConnect, 465)]
    [InlineData("smtp://mail.example.com:2525", SecureSocketOptions.None, 2525)]
    public void The_port_follows_the_tls_mode_unless_given(string url, SecureSocketOptions mode, int port)
    {
        Assert.Equal(port, new SmtpOptions { Url = new Uri(url), TlsMode = mode }.Port);
    }
}
