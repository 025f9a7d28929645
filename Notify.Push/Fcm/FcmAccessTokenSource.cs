using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Notify.Push.Tokens;

namespace Notify.Push.Fcm;

/// <summary>
/// OAuth2 access tokens for FCM from the service account (JWT-bearer grant): an RS256
/// assertion (<c>iss</c> = client email, <c>scope</c> firebase.messaging, <c>aud</c> = the token
/// endpoint, valid one hour) is exchanged at the token endpoint. One token is shared by every
/// send and reused until <see cref="RefreshMargin"/> before it expires; a single refresh runs
/// at a time, so a burst of sends after expiry makes one token request, not hundreds.
/// </summary>
public sealed class FcmAccessTokenSource(IHttpClientFactory httpClients, FcmCredentials credentials, TimeProvider time, ILogger<FcmAccessTokenSource> logger) : IDisposable
{
    public const string HttpClientName = "fcm-oauth";
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /// <summary>Google's assertions may live at most an hour.</summary>
    public static readonly TimeSpan AssertionLifetime = TimeSpan.FromHours(1);

    /// <summary>How long before its expiry a token is replaced, so no send carries one that lapses in flight.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile CachedToken? _current;

    /// <summary>A valid access token: the cached one, or a new one from the token endpoint.</summary>
    /// <exception cref="FcmTokenException">The token endpoint refused or failed.</exception>
    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } cached && time.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Value;
        }
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } fresh && time.GetUtcNow() < fresh.RefreshAt)
            {
                return fresh.Value;
            }
            var token = await RequestAsync(cancellationToken);
            _current = token;
            return token.Value;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// FCM refused <paramref name="token"/> (401 without an FcmError): forget it, unless a
    /// concurrent send has already replaced it.
    /// </summary>
    public void Invalidate(string token)
    {
        if (_current is { } cached && cached.Value == token)
        {
            _current = null;
        }
    }

    private async Task<CachedToken> RequestAsync(CancellationToken cancellationToken)
    {
        var account = credentials.Account;
        var now = time.GetUtcNow();
        var assertion = CompactJwt.Create(
            account.PrivateKeyId is { Length: > 0 } kid
                ? new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = kid }
                : new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT" },
            new Dictionary<string, object>
            {
                ["iss"] = account.ClientEmail,
                ["scope"] = Scope,
                ["aud"] = account.TokenUri.ToString(),
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = (now + AssertionLifetime).ToUnixTimeSeconds(),
            },
            credentials.SignRs256);

        using var http = httpClients.CreateClient(HttpClientName);
        using var response = await http.PostAsync(account.TokenUri, new FormUrlEncodedContent(
        [
            new("grant_type", JwtBearerGrant),
            new("assertion", assertion),
        ]), cancellationToken);

        TokenResponse? body = null;
        try
        {
            body = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            // An HTML error page from a proxy: judged by the status alone.
        }
        if (!response.IsSuccessStatusCode || body?.AccessToken is not { Length: > 0 } accessToken)
        {
            var error = body?.Error ?? (response.IsSuccessStatusCode ? "no_access_token" : ((int)response.StatusCode).ToString());
            PushLog.FcmTokenRefused(logger, (int)response.StatusCode, error);
            throw new FcmTokenException(response.StatusCode, error, body?.ErrorDescription);
        }

        var lifetime = TimeSpan.FromSeconds(Math.Max(body.ExpiresIn ?? 3600, 1));
        // A short-lived token (a test's sandbox) is refreshed at half its life rather than never reused.
        var margin = lifetime > RefreshMargin * 2 ? RefreshMargin : lifetime / 2;
        PushLog.FcmTokenObtained(logger, account.ClientEmail, (int)lifetime.TotalSeconds);
        return new CachedToken(accessToken, now + lifetime - margin);
    }

    public void Dispose() => _refresh.Dispose();

    private sealed record CachedToken(string Value, DateTimeOffset RefreshAt);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] int? ExpiresIn,
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("error_description")] string? ErrorDescription);
}

/// <summary>The OAuth token endpoint refused to issue a token, or failed.</summary>
public sealed class FcmTokenException(HttpStatusCode status, string error, string? description)
    : Exception($"The OAuth token endpoint answered {(int)status} {error}.")
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>The OAuth error code, e.g. <c>invalid_grant</c>.</summary>
    public string Error { get; } = error;

    public string? Description { get; } = description;
}
