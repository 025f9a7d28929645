using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Notify.AppHost;
using Notify.Hosting;

namespace Notify.Tests.Sandbox.Receipts;

/// <summary>Receipt settings are checked before the sandbox serves anything; the AppHost wires receipts to the channels.</summary>
public sealed class ReceiptStartupTests
{
    public static TheoryData<string, string> BadSigningKeys()
    {
        using var rsa = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new()
        {
            { "an RSA key", Convert.ToBase64String(rsa.ExportPkcs8PrivateKey()) },
            { "a P-384 key", Convert.ToBase64String(p384.ExportPkcs8PrivateKey()) },
            { "the public half", Convert.ToBase64String(p256.ExportSubjectPublicKeyInfo()) },
            { "not base64", "not a key!" },
        };
    }

    [Theory]
    [MemberData(nameof(BadSigningKeys))]
    public void A_signing_key_that_is_not_a_P256_PKCS8_key_stops_the_sandbox(string what, string key)
    {
        using var factory = new WebApplicationFactory<global::Notify.Sandbox.SandboxEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            host.UseSetting("Sandbox:Receipts:SendGrid:SigningKey", key);
        });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.True(error.Message.Contains("Sandbox:Receipts:SendGrid:SigningKey", StringComparison.Ordinal), $"{what}: {error.Message}");
        Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_delay_and_an_invalid_receipt_url_stop_the_sandbox()
    {
        using var factory = new WebApplicationFactory<global::Notify.Sandbox.SandboxEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseSetting("Sandbox:Receipts:Delay", "-00:00:01");
            host.UseSetting("Sandbox:Receipts:WhatsApp:Url", "whatsapp/webhooks");
        });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Sandbox:Receipts:Delay", error.Message);
        Assert.Contains("Sandbox:Receipts:WhatsApp:Url", error.Message);
    }

    [Fact]
    public async Task The_app_model_lets_the_sandbox_resolve_the_channels_that_receive_receipts()
    {
        var state = Path.Combine(Path.GetTempPath(), "notify-receipts-model-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var builder = LocalApp.CreateBuilder([]);
            var topology = NotifyAppModel.Configure(builder, new NotifyAppModelOptions { StateDirectory = state });
            await using var app = builder.Build();

            var referenced = topology.Sandbox.References.Select(r => r.Name).ToList();
            Assert.Contains("email", referenced);
            Assert.Contains("whatsapp", referenced);
            Assert.All(topology.Channels, channel => Assert.Contains(topology.Sandbox, channel.References));
            // Stopping orders processes by their references; the mutual ones must not send it round in circles.
            await app.StopAsync();
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
