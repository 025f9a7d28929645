using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json;
using Notify.Push.Apns;
using Notify.Push.Fcm;

namespace Notify.Tests.Push;

/// <summary>Bad push configuration stops the process at start with a message that names the problem, never the key.</summary>
public sealed class PushOptionsTests
{
    [Fact]
    public void A_complete_service_account_is_accepted_and_TokenUri_overrides_its_token_uri()
    {
        using var key = RSA.Create(2048);
        var options = new FcmOptions { ServiceAccountJson = ServiceAccount(key.ExportPkcs8PrivateKeyPem()), TokenUri = new Uri("http://sandbox/token") };

        Assert.Empty(Problems(options));
        Assert.Equal(new Uri("http://sandbox/token"), options.LoadServiceAccount(out _)!.TokenUri);
    }

    [Fact]
    public void Fcm_service_account_problems_are_named()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var secret = ec.ExportPkcs8PrivateKeyPem();

        var neither = Problems(new FcmOptions());
        var notJson = Problems(new FcmOptions { ServiceAccountJson = "{nope" });
        var missing = Problems(new FcmOptions { ServiceAccountJson = """{"type":"service_account","project_id":"p"}""" });
        var notRsa = Problems(new FcmOptions { ServiceAccountJson = ServiceAccount(secret) });
        var noFile = Problems(new FcmOptions { ServiceAccountPath = "/nonexistent/service-account.json" });

        Assert.Contains("exactly one of ServiceAccountJson and ServiceAccountPath", Assert.Single(neither));
        Assert.Contains("not valid JSON", Assert.Single(notJson));
        Assert.Contains("client_email, private_key", Assert.Single(missing));
        Assert.Contains("not an RSA private key", Assert.Single(notRsa));
        Assert.Contains("cannot be read", Assert.Single(noFile));
        Assert.DoesNotContain(notRsa, p => p.Contains("PRIVATE KEY") || p.Contains(secret[40..60]));
    }

    [Fact]
    public void Apns_settings_problems_are_named()
    {
        using var rsa = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ApnsOptions Valid() => new() { TeamId = "TEAM000001", KeyId = "KEY0000001", Topic = "com.example.app", PrivateKeyPem = p256.ExportPkcs8PrivateKeyPem() };

        Assert.Empty(Problems(Valid()));
        Assert.Contains("Team ID", Assert.Single(Problems(Apply(Valid(), o => o.TeamId = "team"))));
        Assert.Contains("Priority", Assert.Single(Problems(Apply(Valid(), o => o.Priority = 7))));
        Assert.Contains("EC P-256", Assert.Single(Problems(Apply(Valid(), o => o.PrivateKeyPem = p384.ExportPkcs8PrivateKeyPem()))));
        Assert.Contains("not an EC private key", Assert.Single(Problems(Apply(Valid(), o => o.PrivateKeyPem = rsa.ExportPkcs8PrivateKeyPem()))));
        Assert.Contains("exactly one of PrivateKeyPem and PrivateKeyPath", Assert.Single(Problems(Apply(Valid(), o => o.PrivateKeyPath = "/k.p8"))));
    }

    private static ApnsOptions Apply(ApnsOptions options, Action<ApnsOptions> change)
    {
        change(options);
        return options;
    }

    private static string ServiceAccount(string privateKeyPem) => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "service_account", ["project_id"] = "p", ["client_email"] = "sa@p.iam.gserviceaccount.com", ["private_key"] = privateKeyPem,
    });

    private static List<string> Problems(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }
}
