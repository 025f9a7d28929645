using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Notify.Ingress.Options;
using Notify.Ingress.Validation;
using Notify.Outbox.Tenants;

namespace Notify.Ingress.Authentication;

/// <summary>
/// Finds the tenant of an API key by the key's SHA-256. Answers are cached briefly so the
/// hot path does not query the database per call; a revoked key stops working within
/// <see cref="IngressOptions.ApiKeyCacheDuration"/>. Unknown keys are cached too (for a few
/// seconds), so a client hammering with a bad key does not hammer the database. A key that
/// a rotation gave a grace period is never trusted from the cache past the period's end.
/// </summary>
internal sealed class ApiKeyAuthenticator(TenantStore tenants, IOptions<IngressOptions> options, TimeProvider time)
{
    private const int MaxCachedKeys = 10_000;
    private static readonly TimeSpan UnknownKeyCacheDuration = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly TimeSpan _knownKeyCacheDuration = options.Value.ApiKeyCacheDuration;

    public async ValueTask<TenantContext?> AuthenticateAsync(string apiKey, CancellationToken cancellationToken)
    {
        if (!ApiKeys.LooksValid(apiKey))
        {
            return null;
        }
        var hash = ApiKeys.Hash(apiKey);
        var cacheKey = Convert.ToBase64String(hash);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(cacheKey, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Tenant;
        }

        var owner = await tenants.FindByKeyHashAsync(hash, cancellationToken);
        var context = owner is null ? null : new TenantContext(owner.Tenant.Id, owner.Tenant.Name);
        if (_cache.Count >= MaxCachedKeys)
        {
            _cache.Clear();
        }
        var until = now + (context is null ? UnknownKeyCacheDuration : _knownKeyCacheDuration);
        if (owner?.ExpiresAt is { } expires && new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)) < until)
        {
            until = new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc));
        }
        _cache[cacheKey] = new CacheEntry(context, until);
        return context;
    }

    /// <summary>
    /// Drops this process's cached answers for a tenant's keys, so a rotation made through this
    /// process takes effect here at once (other replicas follow within the cache duration).
    /// </summary>
    public void Forget(Guid tenantId)
    {
        foreach (var (key, entry) in _cache)
        {
            if (entry.Tenant?.TenantId == tenantId)
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    private sealed record CacheEntry(TenantContext? Tenant, DateTimeOffset ExpiresAt);
}
