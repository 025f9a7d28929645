using Microsoft.Extensions.Options;
using Notify.Ingress.Options;
using Notify.Outbox;
using Notify.Outbox.Tenants;
using Npgsql;
using StackExchange.Redis;

namespace Notify.Ingress.Startup;

/// <summary>
/// Runs before the ingress listens, in DESIGN.md's order: PostgreSQL reachable, migrations
/// applied, Redis reachable, bootstrap tenant present. Any failure stops the process with a
/// message that says what to fix, instead of accepting calls it cannot honour.
/// </summary>
internal sealed partial class StartupChecks(
    NpgsqlDataSource dataSource,
    IConnectionMultiplexer redis,
    TenantStore tenants,
    IOptions<BootstrapOptions> bootstrap,
    IConfiguration configuration,
    ILogger<StartupChecks> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var database = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).AsTask().WaitAsync(Timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw new StartupException(
                $"PostgreSQL is not reachable at {database.Host}:{database.Port} (database '{database.Database}'): {ex.Message}. " +
                "Check ConnectionStrings:notifydb and that the server is running.", ex);
        }

        try
        {
            // The data source's own connection string has the password stripped; DbUp opens
            // its own connections, so it needs the configured one.
            await OutboxMigrator.MigrateAsync(configuration.GetConnectionString("notifydb")!, logger, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new StartupException($"Applying the database migrations failed: {ex.Message}", ex);
        }

        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(Timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StartupException(
                $"Redis is not reachable at {string.Join(", ", redis.GetEndPoints().Select(e => e.ToString()))}: {ex.Message}. " +
                "Check ConnectionStrings:redis and that the server is running.", ex);
        }

        if (bootstrap.Value is { TenantName: { Length: > 0 } name, ApiKey: { Length: > 0 } key })
        {
            if (!ApiKeys.LooksValid(key))
            {
                throw new StartupException("Notify:Bootstrap:ApiKey is not a Notify API key (it must start with 'nfy_').");
            }
            var tenant = await tenants.EnsureWithKeyAsync(name, key, cancellationToken);
            LogBootstrapTenant(logger, tenant.Name, ApiKeys.DisplayPrefix(key));
        }
        LogReady(logger);
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Bootstrap tenant '{Tenant}' has API key {KeyPrefix}…")]
    private static partial void LogBootstrapTenant(ILogger logger, string tenant, string keyPrefix);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Database migrated and Redis reachable; accepting calls")]
    private static partial void LogReady(ILogger logger);
}

public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
