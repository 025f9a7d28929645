using System.ComponentModel.DataAnnotations;
using System.Text;
using Notify.Webhook.Sending;
using Notify.Webhook.Signing;

namespace Notify.Tests.Webhook;

/// <summary>Notify's Standard Webhooks signatures, checked by a verifier written from the spec.</summary>
public sealed class WebhookSigningTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void The_spec_test_vector_signs_and_verifies()
    {
        // standard-webhooks' own test vector (providers.md §6.1).
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
        var signer = new WebhookSigner([WebhookSecret.Parse(secret)]);

        var header = signer.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", header);
        Assert.True(SpecVerifier.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", header, body,
            DateTimeOffset.FromUnixTimeSeconds(1614265330)));
    }

    [Fact]
    public void During_a_rotation_both_secrets_sign_and_a_receiver_holding_either_verifies()
    {
        var (current, previous, unrelated) = (SpecVerifier.NewSecret(), SpecVerifier.NewSecret(), SpecVerifier.NewSecret());
        var signer = new WebhookSigner([WebhookSecret.Parse(current), WebhookSecret.Parse(previous)]);
        var body = Encoding.UTF8.GetBytes("{\"type\":\"invoice.paid\",\"data\":{}}");
        var timestamp = Now.ToUnixTimeSeconds().ToString();

        var header = signer.Sign("0190a5c4-0000-7000-8000-000000000001", Now.ToUnixTimeSeconds(), body);

        Assert.Equal(2, header.Split(' ').Length);
        Assert.All(header.Split(' '), entry => Assert.StartsWith("v1,", entry));
        Assert.True(SpecVerifier.Verify(current, "0190a5c4-0000-7000-8000-000000000001", timestamp, header, body, Now));
        Assert.True(SpecVerifier.Verify(previous, "0190a5c4-0000-7000-8000-000000000001", timestamp, header, body, Now));
        Assert.False(SpecVerifier.Verify(unrelated, "0190a5c4-0000-7000-8000-000000000001", timestamp, header, body, Now));
    }

    [Fact]
    public void A_tampered_body_id_or_timestamp_fails_verification()
    {
        var secret = SpecVerifier.NewSecret();
        var signer = new WebhookSigner([WebhookSecret.Parse(secret)]);
        var body = Encoding.UTF8.GetBytes("{\"amount\":100}");
        var ts = Now.ToUnixTimeSeconds();
        var header = signer.Sign("msg_1", ts, body);

        Assert.True(SpecVerifier.Verify(secret, "msg_1", ts.ToString(), header, body, Now));
        Assert.False(SpecVerifier.Verify(secret, "msg_1", ts.ToString(), header, Encoding.UTF8.GetBytes("{\"amount\":900}"), Now));
        Assert.False(SpecVerifier.Verify(secret, "msg_2", ts.ToString(), header, body, Now));
        Assert.False(SpecVerifier.Verify(secret, "msg_1", (ts + 1).ToString(), header, body, Now));
    }

    [Fact]
    public void A_signature_older_or_newer_than_five_minutes_fails_verification()
    {
        var secret = SpecVerifier.NewSecret();
        var signer = new WebhookSigner([WebhookSecret.Parse(secret)]);
        var body = Encoding.UTF8.GetBytes("{}");
        var old = Now.AddMinutes(-6).ToUnixTimeSeconds();
        var future = Now.AddMinutes(6).ToUnixTimeSeconds();

        Assert.False(SpecVerifier.Verify(secret, "msg_1", old.ToString(), signer.Sign("msg_1", old, body), body, Now));
        Assert.False(SpecVerifier.Verify(secret, "msg_1", future.ToString(), signer.Sign("msg_1", future, body), body, Now));
        var recent = Now.AddMinutes(-4).ToUnixTimeSeconds();
        Assert.True(SpecVerifier.Verify(secret, "msg_1", recent.ToString(), signer.Sign("msg_1", recent, body), body, Now));
    }

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'")]
    [InlineData("whsec_not base64!", "valid base64")]
    [InlineData("whsec_c2hvcnQ=", "24 to 64 bytes")]
    [InlineData("", "must start with 'whsec_'")]
    public void Bad_secrets_are_refused_at_start_without_echoing_them(string secret, string expected)
    {
        var options = new WebhookOptions { SigningSecrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", secret] };

        var results = new List<ValidationResult>();
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        var message = Assert.Single(results).ErrorMessage!;
        Assert.Contains("SigningSecrets:1", message);
        Assert.Contains(expected, message);
        if (secret.Length > 0)
        {
            Assert.DoesNotContain(secret, message);
        }
    }

    [Fact]
    public void No_secret_at_all_is_refused()
    {
        var options = new WebhookOptions();

        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains("at least one whsec_ secret"));
    }

    [Fact]
    public void A_secret_never_prints_its_key()
    {
        var secret = WebhookSecret.Parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        Assert.Equal("whsec_***", secret.ToString());
        Assert.Equal("whsec_***", $"{secret}");
    }
}
