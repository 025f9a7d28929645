using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Notify.Delivery.RateLimiting;

/// <summary>
/// Rate limits shared by every replica of a channel: one Redis key per provider account and
/// sender holds the GCRA state, updated by one atomic script (Redis's own clock, so replicas'
/// clocks do not matter). If Redis cannot be reached, each process keeps sending under its
/// share of the limit (limit ÷ replicas), says so once in the log and in
/// <see cref="UsingFallback"/>, and goes back to Redis as soon as it answers again. Then it
/// reconciles: each key it used meanwhile is moved in Redis to at least this process's own
/// state, so sends made during the outage still count and a Redis that lost its keys (a
/// restart) does not grant a second full burst on top of them.
/// </summary>
public sealed partial class RedisRateLimiter(IConnectionMultiplexer redis, int replicas, TimeProvider time, ILogger<RedisRateLimiter> logger)
{
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        local tolerance = interval * (burst - 1)
        if tat - now > tolerance then
            return tat - now - tolerance
        end
        local new_tat = tat + interval
        redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
        return 0
        """;

    private static readonly LuaScript Prepared = LuaScript.Prepare(Script.Replace("KEYS[1]", "@key").Replace("ARGV[1]", "@interval").Replace("ARGV[2]", "@burst"));

    // Shared: Redis decides. Fallback: Redis is away, the local share decides. Reconciling:
    // Redis answers again and one caller is writing the local state into it; the others keep
    // to the local share until it is done, so only that one caller says Redis is back.
    private const int Shared = 0;
    private const int FallingBack = 1;
    private const int Reconciling = 2;

    private readonly ConcurrentDictionary<string, long> _localTat = new();
    private int _fallback;

    /// <summary>True while Redis is unreachable and the per-process limits apply.</summary>
    public bool UsingFallback => Volatile.Read(ref _fallback) != Shared;

    public async ValueTask<RateLimitDecision> AcquireAsync(string key, RateLimit limit)
    {
        var intervalMs = Math.Max(1, (long)limit.EmissionInterval.TotalMilliseconds);
        if (!redis.IsConnected)
        {
            // Waiting for a command timeout on every send would stall delivery while Redis
            // is away; the multiplexer reconnects in the background meanwhile.
            return Fallback(key, limit, "not connected");
        }
        try
        {
            if (Volatile.Read(ref _fallback) != Shared && !await TryReturnToRedisAsync())
            {
                return AcquireLocally(key, limit.PerReplica(replicas));
            }
            var result = await redis.GetDatabase().ScriptEvaluateAsync(Prepared,
                new { key = (RedisKey)("notify:rate:" + key), interval = intervalMs, burst = limit.Burst });
            var retryAfterMs = (long)result;
            return retryAfterMs == 0 ? RateLimitDecision.Allow : new RateLimitDecision(false, TimeSpan.FromMilliseconds(retryAfterMs));
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            return Fallback(key, limit, ex.GetType().Name);
        }
    }

    // Pushes the key's theoretical arrival time to at least now + the pause (plus the burst
    // tolerance, so the whole burst is held back too): every replica waits it out.
    private const string ThrottleScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local until_tat = now + tonumber(@pause) + tonumber(@tolerance)
        local tat = tonumber(redis.call('GET', @key) or 0)
        if tat < until_tat then
            redis.call('SET', @key, until_tat, 'PX', until_tat - now + 1000)
        end
        return 0
        """;

    private static readonly LuaScript PreparedThrottle = LuaScript.Prepare(ThrottleScript);

    /// <summary>
    /// The provider told us to slow down (a 429, WhatsApp's 130429): hold back every send
    /// under <paramref name="key"/>, on every replica, for <paramref name="pause"/>.
    /// </summary>
    public async ValueTask ThrottleAsync(string key, RateLimit limit, TimeSpan pause)
    {
        var pauseMs = Math.Max(1, (long)pause.TotalMilliseconds);
        var toleranceMs = (long)limit.EmissionInterval.TotalMilliseconds * (limit.Burst - 1);
        var localUntil = time.GetUtcNow().ToUnixTimeMilliseconds() + pauseMs + toleranceMs;
        _localTat.AddOrUpdate(key, localUntil, (_, tat) => Math.Max(tat, localUntil));
        if (!redis.IsConnected)
        {
            return;
        }
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(PreparedThrottle,
                new { key = (RedisKey)("notify:rate:" + key), pause = pauseMs, tolerance = toleranceMs });
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException)
        {
            // The local pause above still holds this process back.
        }
    }

    // Moves a key's theoretical arrival time up to this process's (never back): Redis's
    // clock and ours are on one host or NTP-synchronised, well within a send interval.
    private const string ReconcileScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local tat = tonumber(redis.call('GET', @key) or 0)
        local theirs = tonumber(@tat)
        if theirs > tat and theirs > now then
            redis.call('SET', @key, theirs, 'PX', theirs - now + 1000)
        end
        return 0
        """;

    private static readonly LuaScript PreparedReconcile = LuaScript.Prepare(ReconcileScript);

    /// <summary>Writes what this process sent while Redis was away into the shared keys.</summary>
    private async Task ReconcileAsync()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var database = redis.GetDatabase();
        foreach (var (key, tat) in _localTat)
        {
            if (tat > now)
            {
                await database.ScriptEvaluateAsync(PreparedReconcile, new { key = (RedisKey)("notify:rate:" + key), tat });
            }
        }
        _localTat.Clear();
    }

    /// <summary>
    /// Called while falling back with Redis connected again: the first caller to get here
    /// reconciles and says Redis is back (once); concurrent callers get false and stay on the
    /// local share meanwhile. A reconcile that fails leaves the fallback in force.
    /// </summary>
    private async ValueTask<bool> TryReturnToRedisAsync()
    {
        if (Interlocked.CompareExchange(ref _fallback, Reconciling, FallingBack) != FallingBack)
        {
            return Volatile.Read(ref _fallback) == Shared;
        }
        try
        {
            await ReconcileAsync();
        }
        catch
        {
            Interlocked.CompareExchange(ref _fallback, FallingBack, Reconciling);
            throw;
        }
        // Redis may have failed another caller meanwhile (it then set FallingBack): stay there.
        if (Interlocked.CompareExchange(ref _fallback, Shared, Reconciling) == Reconciling)
        {
            LogRedisBack(logger);
            return true;
        }
        return false;
    }

    private RateLimitDecision Fallback(string key, RateLimit limit, string reason)
    {
        if (Interlocked.Exchange(ref _fallback, FallingBack) == Shared)
        {
            LogFallback(logger, replicas, reason);
        }
        return AcquireLocally(key, limit.PerReplica(replicas));
    }

    private RateLimitDecision AcquireLocally(string key, RateLimit limit)
    {
        var intervalMs = Math.Max(1, (long)limit.EmissionInterval.TotalMilliseconds);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var tat = _localTat.GetOrAdd(key, now);
            var (allowed, newTat, retryAfterMs) = Gcra.Decide(tat, now, intervalMs, limit.Burst);
            if (!allowed)
            {
                return new RateLimitDecision(false, TimeSpan.FromMilliseconds(retryAfterMs));
            }
            if (_localTat.TryUpdate(key, newTat, tat))
            {
                return RateLimitDecision.Allow;
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning,
        Message = "Redis is unreachable ({Error}): rate limits fall back to this process's share (limit / {Replicas})")]
    private static partial void LogFallback(ILogger logger, int replicas, string error);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Redis is reachable again: rate limits are shared across replicas again")]
    private static partial void LogRedisBack(ILogger logger);
}
