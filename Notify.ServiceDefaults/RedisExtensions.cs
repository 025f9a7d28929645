using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Stand-in for Aspire.StackExchange.Redis's <c>AddRedisClient</c> (not served to this
/// project): a singleton <see cref="IConnectionMultiplexer"/> from
/// <c>ConnectionStrings:{name}</c> and the "StackExchange.Redis" health check. Delete this
/// file when the Aspire package is available.
/// </summary>
public static class RedisExtensions
{
    public static void AddRedisClient(this IHostApplicationBuilder builder, string connectionName,
        Action<ConfigurationOptions>? configureOptions = null)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionString is missing. It should be provided in 'ConnectionStrings:{connectionName}' " +
                $"(environment variable ConnectionStrings__{connectionName}).");
        }

        var options = ConfigurationOptions.Parse(connectionString);
        // Keep running and reconnecting while Redis is away: callers fall back to local
        // limits instead of failing (start-up checks reachability separately).
        options.AbortOnConnectFail = false;
        configureOptions?.Invoke(options);

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(),
            name: "StackExchange.Redis", timeout: TimeSpan.FromSeconds(5));
    }
}
