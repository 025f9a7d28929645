using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Notify.Ingress.Admin.Replay;

/// <summary>Allowed, or refused with the time until the oldest counted replay leaves the window.</summary>
public readonly record struct ReplayRateDecision(bool Allowed, TimeSpan RetryAfter);

/// <summary>
/// At most <see cref="AdminOptions.ReplayRateLimit"/> confirmed replays per tenant and client
/// address in any <see cref="AdminOptions.ReplayRateWindow"/>: a sliding window (a sorted set of
/// the replays' times per key) in Redis, shared by every ingress replica and changed by one
/// atomic script on Redis's clock. If Redis cannot be reached each process keeps its own window
/// (the limit then holds per replica), says so once in the log, and returns to Redis when it answers.
/// </summary>
internal sealed partial class ReplayRateLimiter(IConnectionMultiplexer redis, IOptions<AdminOptions> options, TimeProvider time,
    ILogger<ReplayRateLimiter> logger)
{
    // Trims the window, then either refuses with the wait until its oldest entry expires, or
    // records this replay. The member is unique per call so two replays in one millisecond both count.
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(@window)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', now - window)
        if redis.call('ZCARD', @key) >= tonumber(@limit) then
            local oldest = redis.call('ZRANGE', @key, 0, 0, 'WITHSCORES')
            return math.max(1, tonumber(oldest[2]) + window - now)
        end
        redis.call('ZADD', @key, now, @member)
        redis.call('PEXPIRE', @key, window)
        return 0
        """;

    private static readonly LuaScript Prepared = LuaScript.Prepare(Script);

    private readonly ConcurrentDictionary<string, Queue<long>> _local = new(StringComparer.Ordinal);
    private int _fallback;

    /// <summary>Counts one confirmed replay of <paramref name="tenantId"/> from <paramref name="clientAddress"/>, or refuses it.</summary>
    public async Task<ReplayRateDecision> AcquireAsync(Guid tenantId, string clientAddress)
    {
        var settings = options.Value;
        var key = $"notify:admin:replays:{tenantId:N}:{clientAddress}";
        var windowMs = (long)settings.ReplayRateWindow.TotalMilliseconds;
        if (redis.IsConnected)
        {
            try
            {
                var waitMs = (long)await redis.GetDatabase().ScriptEvaluateAsync(Prepared, new
                {
                    key = (RedisKey)key,
                    window = windowMs,
                    limit = settings.ReplayRateLimit,
                    member = Guid.NewGuid().ToString("N"),
                });
                if (Interlocked.Exchange(ref _fallback, 0) == 1)
                {
                    LogRedisBack(logger);
                }
                return waitMs == 0 ? new(true, TimeSpan.Zero) : new(false, TimeSpan.FromMilliseconds(waitMs));
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException)
            {
                return Fallback(key, windowMs, settings.ReplayRateLimit, ex.GetType().Name);
            }
        }
        return Fallback(key, windowMs, settings.ReplayRateLimit, "not connected");
    }

    private ReplayRateDecision Fallback(string key, long windowMs, int limit, string reason)
    {
        if (Interlocked.Exchange(ref _fallback, 1) == 0)
        {
            LogFallback(logger, reason);
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var window = _local.GetOrAdd(key, _ => new Queue<long>());
        lock (window)
        {
            while (window.Count > 0 && window.Peek() <= now - windowMs)
            {
                window.Dequeue();
            }
            if (window.Count >= limit)
            {
                return new(false, TimeSpan.FromMilliseconds(Math.Max(1, window.Peek() + windowMs - now)));
            }
            window.Enqueue(now);
            return new(true, TimeSpan.Zero);
        }
    }

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning,
        Message = "Redis is unreachable ({Error}): the replay rate limit falls back to a window per ingress process")]
    private static partial void LogFallback(ILogger logger, string error);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Information, Message = "Redis is reachable again: the replay rate limit is shared across replicas again")]
    private static partial void LogRedisBack(ILogger logger);
}
