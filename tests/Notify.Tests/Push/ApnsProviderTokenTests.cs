using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Notify.Push.Apns;

namespace Notify.Tests.Push;

/// <summary>Apple's token rules: one shared token, renewed before an hour, never more often than every 20 minutes.</summary>
public sealed class ApnsProviderTokenTests : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly ApnsProviderToken _token;

    public ApnsProviderTokenTests()
    {
        _token = new ApnsProviderToken(Options.Create(new ApnsOptions
        {
            TeamId = "TEAM000001", KeyId = "KEY0000001", Topic = "com.example.app", PrivateKeyPem = _key.ExportPkcs8PrivateKeyPem(),
        }), _clock, NullLogger<ApnsProviderToken>.Instance);
    }

    [Fact]
    public void The_token_names_key_and_team_and_verifies_with_the_public_key()
    {
        var parts = _token.Current.Split('.');
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));

        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("KEY0000001", header.RootElement.GetProperty("kid").GetString());
        Assert.Equal("TEAM000001", claims.RootElement.GetProperty("iss").GetString());
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), claims.RootElement.GetProperty("iat").GetInt64());
        Assert.True(_key.VerifyData(System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Concurrent_sends_share_one_token_until_it_is_50_minutes_old()
    {
        var burst = Enumerable.Range(0, 50).AsParallel().Select(_ => _token.Current).Distinct().ToList();
        _clock.Advance(TimeSpan.FromMinutes(49));
        var at49 = _token.Current;
        _clock.Advance(TimeSpan.FromMinutes(1));
        var at50 = _token.Current;

        Assert.Single(burst);
        Assert.Equal(burst[0], at49);
        Assert.NotEqual(at49, at50);
    }

    [Fact]
    public void A_rejected_token_is_replaced_only_once_it_is_20_minutes_old()
    {
        var first = _token.Current;
        _clock.Advance(TimeSpan.FromMinutes(5));

        var replacedNow = _token.Reject(first);
        var at5 = _token.Current;
        _clock.Advance(TimeSpan.FromMinutes(15));
        var at20 = _token.Current;

        Assert.False(replacedNow);
        Assert.Equal(first, at5);
        Assert.NotEqual(first, at20);
    }

    [Fact]
    public void A_rejection_of_a_token_already_replaced_changes_nothing()
    {
        var first = _token.Current;
        _clock.Advance(TimeSpan.FromMinutes(50));
        var second = _token.Current;
        _clock.Advance(TimeSpan.FromMinutes(25));

        Assert.True(_token.Reject(first));
        Assert.Equal(second, _token.Current);
    }

    public void Dispose()
    {
        _token.Dispose();
        _key.Dispose();
    }
}
