using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Notify.Ingress.Admin.Authentication;

/// <summary>
/// The admin JWT scheme: HS256 tokens from <c>Notify:Admin:Jwt</c> (issuer, audience, any of the
/// signing keys), with an expiry, a <c>sub</c>, a <c>role</c> and optionally a <c>tenant</c>. Only <see cref="AdminInterceptor"/>
/// asks this scheme (the tenant API never does), so an API key is never read as a JWT and a JWT
/// never opens the tenant API.
/// </summary>
internal sealed class AdminJwt(IOptions<AdminOptions> admin) : IConfigureNamedOptions<JwtBearerOptions>
{
    public const string Scheme = "NotifyAdminJwt";
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";

    /// <summary>Optional: a tenant id or name that limits the token to that tenant's data (see <see cref="AdminRoles.AllowsTenantScope"/>).</summary>
    public const string TenantClaim = "tenant";

    /// <summary>Tolerated clock difference between the token's issuer and this server.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != Scheme)
        {
            return;
        }
        var settings = admin.Value;
        // Keep "sub" and "role" as they are in the token (no mapping to long XML claim types).
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Jwt.Issuer,
            ValidAudience = settings.Jwt.Audience,
            IssuerSigningKeys = settings.Configured ? [.. settings.Jwt.KeyBytes().Select(k => new SymmetricSecurityKey(k))] : [],
            // Only HS256: a token may not choose another algorithm (or "none").
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
            NameClaimType = SubjectClaim,
            RoleClaimType = RoleClaim,
        };
    }

    public void Configure(JwtBearerOptions options) => Configure(Microsoft.Extensions.Options.Options.DefaultName, options);
}
