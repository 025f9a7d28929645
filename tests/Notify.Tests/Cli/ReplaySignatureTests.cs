using Notify.Cli.Connection;
using Notify.Grpc.Admin.V1;

namespace Notify.Tests.Cli;

/// <summary>
/// The replay signature against a vector computed outside .NET:
/// <c>printf '1700000000.\x0a\x04acme\x20\x01\x3a\x05INC-1' | openssl dgst -sha256 -hmac 's3cret'</c>.
/// </summary>
public sealed class ReplaySignatureTests
{
    private static readonly ReplayDeadLettersRequest Request = new() { Tenant = "acme", Confirm = true, Reason = "INC-1" };

    [Fact]
    public void The_signed_body_is_the_message_as_the_grpc_client_serializes_it()
    {
        // tenant (1, string), confirm (4, varint), reason (7, string): the wire bytes written out by hand.
        byte[] expected = [0x0a, 0x04, .. "acme"u8, 0x20, 0x01, 0x3a, 0x05, .. "INC-1"u8];
        Assert.Equal(expected, Google.Protobuf.MessageExtensions.ToByteArray(Request));
    }

    [Fact]
    public void The_signature_matches_openssl_for_the_same_secret_time_and_body()
    {
        var header = ReplaySignature.Create("s3cret", Request, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

        Assert.Equal("t=1700000000,v1=8a48bf73a5612cbfdc5b98140084905dc0334c985039695e65c9231c4196fe82", header);
    }

    [Fact]
    public void A_different_body_or_time_gives_a_different_signature()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var signature = ReplaySignature.Create("s3cret", Request, at);

        Assert.NotEqual(signature, ReplaySignature.Create("s3cret", new ReplayDeadLettersRequest(Request) { Confirm = false }, at));
        Assert.NotEqual(signature, ReplaySignature.Create("s3cret", Request, at.AddSeconds(1)));
        Assert.NotEqual(signature, ReplaySignature.Create("other", Request, at));
    }
}
