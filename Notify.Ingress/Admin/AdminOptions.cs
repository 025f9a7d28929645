using System.ComponentModel.DataAnnotations;

namespace Notify.Ingress.Admin;

/// <summary>
/// The admin API (section <c>Notify:Admin</c>, validated at start by <see cref="AdminOptionsValidator"/>).
/// Holds secrets: never log it, never echo a value in a validation message.
/// </summary>
public sealed class AdminOptions
{
    public const string SectionName = "Notify:Admin";

    public AdminJwtOptions Jwt { get; set; } = new();

    /// <summary>
    /// Signs replay request bodies (<c>x-notify-signature</c>), at least 32 characters; its UTF-8
    /// bytes are the HMAC key. A second secret, apart from the JWT keys, so a leaked token alone
    /// cannot replay: a replay is a burst of real sends.
    /// </summary>
    public string? ReplayHmacSecret { get; set; }

    /// <summary>The most rows one replay may move; a request's <c>max_rows</c> is capped by it.</summary>
    [Range(1, 100_000)]
    public int MaxReplayRows { get; set; } = 10_000;

    /// <summary>Confirmed replays allowed per tenant and client address within <see cref="ReplayRateWindow"/>.</summary>
    [Range(1, 1_000)]
    public int ReplayRateLimit { get; set; } = 3;

    /// <summary>The sliding window of <see cref="ReplayRateLimit"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReplayRateWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far a replay signature's <c>t</c> may be from the server's clock, either way.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Whether the admin API is on: at least one signing key is configured. Without one it answers
    /// UNAVAILABLE, so a deployment that never set it up exposes nothing.
    /// </summary>
    public bool Configured => Jwt.ConfiguredKeys.Any();
}

/// <summary>How admin JWTs are checked (HS256).</summary>
public sealed class AdminJwtOptions
{
    [Required(AllowEmptyStrings = false)]
    public string Issuer { get; set; } = "notify";

    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = "notify-admin";

    /// <summary>
    /// Base64 HMAC keys of at least 32 bytes each (<c>openssl rand -base64 32</c>). A token signed
    /// with any of them is accepted, so a key is rotated by adding the new one, issuing tokens with
    /// it, then removing the old one. Blank entries are ignored.
    /// </summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary>The non-blank signing keys.</summary>
    internal IEnumerable<string> ConfiguredKeys => SigningKeys.Where(k => !string.IsNullOrWhiteSpace(k));

    /// <summary>The keys' bytes; only call after validation.</summary>
    internal IReadOnlyList<byte[]> KeyBytes() => [.. ConfiguredKeys.Select(k => Convert.FromBase64String(k.Trim()))];
}
