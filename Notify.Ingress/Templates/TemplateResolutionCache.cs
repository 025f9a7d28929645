using System.Collections.Concurrent;

using Notify.Templates;

namespace Notify.Ingress.Templates;

/// <summary>
/// Remembers template resolutions (including "no template") for a few seconds: Send resolves on
/// every call and the answer changes only with a PutTemplate. A put on this process removes its
/// template's entries at once; a put on another replica shows after at most <see cref="Lifetime"/>.
/// </summary>
internal sealed class TemplateResolutionCache(TimeProvider timeProvider)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    // Bounds memory under many distinct (tenant, template, locale) keys; past it, expired entries
    // are swept and, if that is not enough, the cache starts over (a cold cache costs one query).
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private long _invalidations;

    public readonly record struct Key(Guid TenantId, string TemplateId, string Locale, string Channel);

    private sealed record Entry(ResolvedTemplate? Template, DateTimeOffset ExpiresAt);

    /// <summary>Read before querying and pass to <see cref="Set"/>, so a result read before a put is not kept after it.</summary>
    public long Stamp => Interlocked.Read(ref _invalidations);

    public bool TryGet(Key key, out ResolvedTemplate? template)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > timeProvider.GetUtcNow())
        {
            template = entry.Template;
            return true;
        }
        template = null;
        return false;
    }

    public void Set(Key key, ResolvedTemplate? template, long stamp)
    {
        if (stamp != Stamp)
        {
            return;
        }
        var now = timeProvider.GetUtcNow();
        if (_entries.Count >= MaxEntries)
        {
            Sweep(now);
        }
        _entries[key] = new Entry(template, now + Lifetime);

        // An invalidation between the check above and the write would otherwise be lost.
        if (stamp != Stamp)
        {
            _entries.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets every resolution of one template (all locales and channels).</summary>
    public void Invalidate(Guid tenantId, string templateId)
    {
        Interlocked.Increment(ref _invalidations);
        foreach (var key in _entries.Keys)
        {
            if (key.TenantId == tenantId && key.TemplateId == templateId)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
    }
}
