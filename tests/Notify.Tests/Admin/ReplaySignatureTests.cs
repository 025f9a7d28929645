using System.Text;
using Notify.Ingress.Admin.Replay;

namespace Notify.Tests.Admin;

/// <summary>The replay signature format of admin.proto, checked against a value computed with openssl.</summary>
public sealed class ReplaySignatureTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef";
    private const long At = 1767225600;
    private const string T = "1767225600";
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"tenant":"acme","filter":{"channel":"CHANNEL_EMAIL"},"confirm":true,"reason":"INC-1"}""");

    // printf '%s.%s' 1767225600 "$body" | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef -r
    private const string OpensslMac = "e6e1a9663a5fe48a35a14bf4bacc666108f33d7dbe9166b24ca00818239a1ec5";

    [Fact]
    public void Sign_produces_what_the_openssl_one_liner_in_the_readme_produces()
        => Assert.Equal($"t={At},v1={OpensslMac}", ReplaySignature.Sign(Secret, At, Body));

    [Theory]
    [InlineData($"t={T},v1={OpensslMac}", 0, SignatureVerdict.Valid)]
    [InlineData($" t={T} , v1={OpensslMac} ", 0, SignatureVerdict.Valid)]
    [InlineData($"t={T},v1={"00" + "e1a9663a5fe48a35a14bf4bacc666108f33d7dbe9166b24ca00818239a1ec5"},v1={OpensslMac}", 0, SignatureVerdict.Valid)]
    [InlineData($"t={T},v1={OpensslMac}", 300, SignatureVerdict.Valid)]
    [InlineData($"t={T},v1={OpensslMac}", -300, SignatureVerdict.Valid)]
    [InlineData($"t={T},v1={OpensslMac}", 301, SignatureVerdict.Stale)]
    [InlineData($"t={T},v1={OpensslMac}", -301, SignatureVerdict.Stale)]
    [InlineData($"t=1767225601,v1={OpensslMac}", 0, SignatureVerdict.Mismatch)]
    [InlineData($"t={T},v1={"f6e1a9663a5fe48a35a14bf4bacc666108f33d7dbe9166b24ca00818239a1ec5"}", 0, SignatureVerdict.Mismatch)]
    [InlineData("", 0, SignatureVerdict.Missing)]
    [InlineData($"v1={OpensslMac}", 0, SignatureVerdict.Malformed)]
    [InlineData($"t={T}", 0, SignatureVerdict.Malformed)]
    [InlineData($"t=-5,v1={OpensslMac}", 0, SignatureVerdict.Malformed)]
    [InlineData($"t={T},v1=abc", 0, SignatureVerdict.Malformed)]
    [InlineData($"t={T},t={T},v1={OpensslMac}", 0, SignatureVerdict.Malformed)]
    [InlineData($"sha256={OpensslMac}", 0, SignatureVerdict.Malformed)]
    public void Verify_accepts_only_a_matching_mac_within_the_tolerance(string header, int clockOffsetSeconds, SignatureVerdict expected)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(At + clockOffsetSeconds);

        Assert.Equal(expected, ReplaySignature.Verify(header, Secret, Body, now, Tolerance));
    }

    [Fact]
    public void Another_secret_or_one_changed_byte_of_the_body_does_not_verify()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(At);
        var changed = (byte[])Body.Clone();
        changed[^2] ^= 1;

        Assert.Equal(SignatureVerdict.Mismatch, ReplaySignature.Verify(ReplaySignature.Sign(Secret + "x", At, Body), Secret, Body, now, Tolerance));
        Assert.Equal(SignatureVerdict.Mismatch, ReplaySignature.Verify(ReplaySignature.Sign(Secret, At, Body), Secret, changed, now, Tolerance));
    }
}
