using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace Notify.Cli.Connection;

/// <summary>
/// The replay body signature of admin.proto: <c>x-notify-signature: t=&lt;unix seconds&gt;,v1=&lt;hex
/// HMAC-SHA256(secret, "&lt;t&gt;." + body)&gt;</c>, where over gRPC the body is the serialized
/// request. The C# protobuf runtime writes fields in number order, so <see cref="MessageExtensions.ToByteArray"/>
/// gives the same bytes the gRPC client puts on the wire for this message.
/// </summary>
public static class ReplaySignature
{
    public const string Header = "x-notify-signature";

    public static string Create(string secret, IMessage request, DateTimeOffset now) =>
        Create(Encoding.UTF8.GetBytes(secret), request.ToByteArray(), now.ToUnixTimeSeconds());

    public static string Create(byte[] secret, byte[] body, long unixSeconds)
    {
        var timestamp = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var prefix = Encoding.ASCII.GetBytes(timestamp + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        var mac = HMACSHA256.HashData(secret, signed);
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }
}
