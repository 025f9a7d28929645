using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Notify.AppHost;
using Notify.Ingress.Admin.Replay;

namespace Notify.Tests.Infrastructure;

/// <summary>
/// The admin API secrets a test host is configured with, and what clients make of them: tokens
/// of any role (signed with the host's key or any other), and replay signatures.
/// </summary>
public sealed class AdminCredentials
{
    public byte[] SigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    public string ReplayHmacSecret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>The settings that configure a host with these secrets.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Notify:Admin:Jwt:SigningKeys:0"] = Convert.ToBase64String(SigningKey),
        ["Notify:Admin:ReplayHmacSecret"] = ReplayHmacSecret,
    };

    public string Token(string role, string subject = "test-admin", TimeSpan? lifetime = null, byte[]? signingKey = null, string? tenant = null)
        => AdminTokens.Mint(signingKey ?? SigningKey, subject, role, lifetime ?? TimeSpan.FromHours(1), tenant: tenant);

    /// <summary>gRPC metadata carrying a token of <paramref name="role"/> (limited to <paramref name="tenant"/> when given).</summary>
    public Metadata Headers(string role, string subject = "test-admin", string? tenant = null)
        => new() { { "authorization", "Bearer " + Token(role, subject, tenant: tenant) } };

    /// <summary>Metadata for a replay: the token and the body's signature (as of <paramref name="at"/>, default now).</summary>
    public Metadata ReplayHeaders(IMessage request, string role = "operator", string subject = "test-operator", DateTimeOffset? at = null,
        string? secret = null, string? tenant = null)
    {
        var headers = Headers(role, subject, tenant);
        headers.Add(ReplaySignature.Header, Sign(request.ToByteArray(), at, secret));
        return headers;
    }

    public string Sign(byte[] body, DateTimeOffset? at = null, string? secret = null)
        => ReplaySignature.Sign(secret ?? ReplayHmacSecret, (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(), body);
}
