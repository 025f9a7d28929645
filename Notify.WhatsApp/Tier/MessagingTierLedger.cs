using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Notify.WhatsApp.Tier;

/// <summary>
/// Counts the unique recipients of business-initiated messages per phone number in a rolling
/// 24 hours, shared by every replica: one Redis sorted set per phone number, member = a hash
/// of the recipient (never the number), score = when it was last messaged, updated by one
/// atomic script. A recipient already in the window costs nothing; a new one is admitted
/// while the tier has room; otherwise the caller learns when the oldest entry leaves the
/// window. If Redis cannot be reached, each process admits up to its share (tier ÷ replicas),
/// says so once in the log and in the metrics' <c>scope</c>, and adds what it admitted to
/// Redis when Redis answers again.
/// </summary>
public sealed partial class MessagingTierLedger
{
    /// <summary>Meta's window: unique users in a rolling 24 hours.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    // Drop what left the window, then: counted already → refresh its time (the window
    // rolls from the last message); room left → count it; else → when the oldest leaves.
    // Redis's clock, so replicas' clocks do not matter. Returns {admitted, used, at_or_wait, new}.
    private static readonly LuaScript Admit = LuaScript.Prepare("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(@window)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', now - window)
        local counted = redis.call('ZSCORE', @key, @member)
        local used = redis.call('ZCARD', @key)
        if counted or used < tonumber(@limit) then
            redis.call('ZADD', @key, now, @member)
            redis.call('PEXPIRE', @key, window)
            if counted then return {1, used, now, 0} end
            return {1, used + 1, now, 1}
        end
        local oldest = redis.call('ZRANGE', @key, 0, 0, 'WITHSCORES')
        return {0, used, tonumber(oldest[2]) + window - now, 0}
        """);

    // Gives a place back only if it is still the entry this process added (a later send to
    // the same recipient refreshed the score and keeps it).
    private static readonly LuaScript Release = LuaScript.Prepare("""
        local score = redis.call('ZSCORE', @key, @member)
        if score and tonumber(score) == tonumber(@at) then
            return redis.call('ZREM', @key, @member)
        end
        return 0
        """);

    private readonly IConnectionMultiplexer _redis;
    private readonly string _phoneNumberId;
    private readonly int _replicas;
    private readonly TimeProvider _time;
    private readonly ILogger<MessagingTierLedger> _logger;
    private readonly RedisKey _key;
    private readonly long _windowMs;
    private readonly Lock _lock = new();
    // Recipients admitted in this process's share while Redis was away: member → last sent (ms).
    private readonly Dictionary<string, long> _local = new(StringComparer.Ordinal);
    private int _fallback;
    private int _spent;

    public MessagingTierLedger(IConnectionMultiplexer redis, string phoneNumberId, TierLimit limit, int replicas,
        TimeProvider time, ILogger<MessagingTierLedger> logger, TimeSpan? window = null)
    {
        _redis = redis;
        _phoneNumberId = phoneNumberId;
        Limit = limit;
        _replicas = Math.Max(1, replicas);
        _time = time;
        _logger = logger;
        _key = "notify:whatsapp:tier:" + phoneNumberId;
        _windowMs = (long)(window ?? DefaultWindow).TotalMilliseconds;
    }

    public TierLimit Limit { get; }

    /// <summary>True while Redis is unreachable and this process admits only its share.</summary>
    public bool UsingFallback => Volatile.Read(ref _fallback) == 1;

    /// <summary>The Redis key of this phone number's window (tests read it to check what is stored).</summary>
    public string WindowKey => _key.ToString();

    /// <summary>
    /// Admits a business-initiated message to <paramref name="recipient"/> (counting it), or
    /// says how long until the tier has room again.
    /// </summary>
    public async ValueTask<TierAdmission> AdmitAsync(string recipient)
    {
        if (Limit.Recipients is not { } limit)
        {
            return TierAdmission.Unmetered;
        }
        var member = Pseudonym(recipient);
        if (!_redis.IsConnected)
        {
            // Waiting for a command timeout on every send would stall delivery while Redis
            // is away; the multiplexer reconnects in the background meanwhile.
            return AdmitLocally(member, limit, "not connected");
        }
        try
        {
            var database = _redis.GetDatabase();
            await ReconcileAsync(database);
            var answer = (RedisResult[])(await database.ScriptEvaluateAsync(Admit,
                new { key = _key, member, window = _windowMs, limit }))!;
            if (Interlocked.Exchange(ref _fallback, 0) == 1)
            {
                LogRedisBack(_logger, _phoneNumberId);
            }
            var (admitted, used, value, added) = ((long)answer[0] == 1, (int)(long)answer[1], (long)answer[2], (long)answer[3] == 1);
            TierMetrics.Record(_phoneNumberId, used, limit, shared: true);
            return admitted
                ? Admitted(new TierAdmission(true, used, TimeSpan.Zero) { Member = added ? member : null, CountedAt = value })
                : Refused(used, limit, TimeSpan.FromMilliseconds(Math.Max(1, value)));
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            return AdmitLocally(member, limit, ex.GetType().Name);
        }
    }

    /// <summary>
    /// The provider refused the message outright (nothing was sent, so no conversation was
    /// opened): gives back the place this admission took. Ambiguous failures (timeouts) keep it.
    /// </summary>
    public async ValueTask ReleaseAsync(TierAdmission admission)
    {
        if (admission.Member is not { } member)
        {
            return;
        }
        if (admission.Local)
        {
            lock (_lock)
            {
                if (_local.TryGetValue(member, out var at) && at == admission.CountedAt)
                {
                    _local.Remove(member);
                }
            }
            return;
        }
        if (!_redis.IsConnected)
        {
            return;
        }
        try
        {
            await _redis.GetDatabase().ScriptEvaluateAsync(Release, new { key = _key, member, at = admission.CountedAt });
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            // The place stays taken until it leaves the window: the safe side of the tier.
        }
    }

    /// <summary>
    /// Adds the recipients this process admitted while Redis was away, so every replica's
    /// count includes them. A later send already in Redis keeps its (newer) time.
    /// </summary>
    private async Task ReconcileAsync(IDatabase database)
    {
        SortedSetEntry[] entries;
        lock (_lock)
        {
            if (_local.Count == 0)
            {
                return;
            }
            entries = [.. _local.Select(e => new SortedSetEntry(e.Key, e.Value))];
        }
        await database.SortedSetAddAsync(_key, entries, SortedSetWhen.GreaterThan);
        await database.KeyExpireAsync(_key, TimeSpan.FromMilliseconds(_windowMs));
        lock (_lock)
        {
            foreach (var entry in entries)
            {
                if (_local.TryGetValue(entry.Element!, out var at) && at == (long)entry.Score)
                {
                    _local.Remove(entry.Element!);
                }
            }
        }
        LogReconciled(_logger, _phoneNumberId, entries.Length);
    }

    private TierAdmission AdmitLocally(string member, int limit, string reason)
    {
        if (Interlocked.Exchange(ref _fallback, 1) == 0)
        {
            LogFallback(_logger, _phoneNumberId, _replicas, reason);
        }
        var share = Math.Max(1, limit / _replicas);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        int used;
        lock (_lock)
        {
            foreach (var expired in _local.Where(e => e.Value <= now - _windowMs).Select(e => e.Key).ToList())
            {
                _local.Remove(expired);
            }
            var counted = _local.ContainsKey(member);
            used = _local.Count;
            if (counted || used < share)
            {
                _local[member] = now;
                used = _local.Count;
                TierMetrics.Record(_phoneNumberId, used, share, shared: false);
                return Admitted(new TierAdmission(true, used, TimeSpan.Zero) { Member = counted ? null : member, CountedAt = now, Local = true });
            }
            var oldest = _local.Values.Min();
            TierMetrics.Record(_phoneNumberId, used, share, shared: false);
            return Refused(used, share, TimeSpan.FromMilliseconds(Math.Max(1, oldest + _windowMs - now)));
        }
    }

    private TierAdmission Admitted(TierAdmission admission)
    {
        Volatile.Write(ref _spent, 0);
        return admission;
    }

    private TierAdmission Refused(int used, int limit, TimeSpan resetIn)
    {
        if (Interlocked.Exchange(ref _spent, 1) == 0)
        {
            LogTierSpent(_logger, _phoneNumberId, used, limit, resetIn);
        }
        return new TierAdmission(false, used, resetIn);
    }

    /// <summary>
    /// What is stored instead of the number: a truncated SHA-256 of the phone-number id and
    /// the recipient's digits. Enough to tell recipients apart, not to read the number back.
    /// </summary>
    private string Pseudonym(string recipient)
    {
        var digits = new string([.. recipient.Where(char.IsAsciiDigit)]);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(_phoneNumberId + ":" + digits));
        return Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning,
        Message = "Redis is unreachable ({Error}): the WhatsApp messaging tier of {PhoneNumberId} falls back to this process's share (tier / {Replicas})")]
    private static partial void LogFallback(ILogger logger, string phoneNumberId, int replicas, string error);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Redis is reachable again: the WhatsApp messaging tier of {PhoneNumberId} is shared across replicas again")]
    private static partial void LogRedisBack(ILogger logger, string phoneNumberId);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Information, Message = "Added {Count} recipients admitted while Redis was away to the shared messaging tier of {PhoneNumberId}")]
    private static partial void LogReconciled(ILogger logger, string phoneNumberId, int count);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Warning,
        Message = "The WhatsApp messaging tier of {PhoneNumberId} is spent ({Used} of {Limit} unique recipients in 24 h): new business-initiated conversations wait {ResetIn} for the oldest to leave the window")]
    private static partial void LogTierSpent(ILogger logger, string phoneNumberId, int used, int limit, TimeSpan resetIn);
}
