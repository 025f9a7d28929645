using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Notify.Push.Fcm;

/// <summary>The configured service account, loaded once (options were validated at start).</summary>
public sealed class FcmCredentials : IDisposable
{
    private readonly RSA _key;
    private readonly Lock _signing = new();

    public FcmCredentials(IOptions<FcmOptions> options)
    {
        Account = options.Value.LoadServiceAccount(out var error)
            ?? throw new OptionsValidationException(FcmOptions.SectionName, typeof(FcmOptions), [error ?? "No service account."]);
        _key = Account.CreateSigningKey();
    }

    public ServiceAccount Account { get; }

    public string ProjectId => Account.ProjectId;

    /// <summary>RS256: RSASSA-PKCS1-v1_5 with SHA-256.</summary>
    public byte[] SignRs256(byte[] data)
    {
        lock (_signing)
        {
            return _key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
    }

    public void Dispose() => _key.Dispose();
}
