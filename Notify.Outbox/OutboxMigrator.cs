using DbUp;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Notify.Outbox;

/// <summary>
/// Applies the versioned SQL files in <c>Migrations/</c> (embedded, applied in name order,
/// each once, recorded in <c>notify.schemaversions</c>). Replicas that start together take
/// turns through an advisory lock, so a migration never runs twice at once.
/// </summary>
public static class OutboxMigrator
{
    // Any fixed number: the key of the advisory lock that serializes migrations.
    private const long MigrationLockKey = 0x4E6F74696679_01;

    public static async Task MigrateAsync(string connectionString, ILogger logger, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var createSchema = new NpgsqlCommand("CREATE SCHEMA IF NOT EXISTS notify", connection))
        {
            await createSchema.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", connection))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var upgrader = DeployChanges.To
                .PostgresqlDatabase(connectionString, "notify")
                .WithScriptsEmbeddedInAssembly(typeof(OutboxMigrator).Assembly, name => name.Contains(".Migrations.", StringComparison.Ordinal))
                .JournalToPostgresqlTable("notify", "schemaversions")
                .WithTransactionPerScript()
                .LogTo(new DbUpLogger(logger))
                .Build();

            var result = upgrader.PerformUpgrade();
            if (!result.Successful)
            {
                throw new InvalidOperationException(
                    $"Database migration '{result.ErrorScript?.Name}' failed: {result.Error?.Message}", result.Error);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private sealed class DbUpLogger(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }
        public void LogDebug(string format, params object[] args) { }
        public void LogInformation(string format, params object[] args) => logger.LogInformation("DbUp: {Message}", string.Format(format, args));
        public void LogWarning(string format, params object[] args) => logger.LogWarning("DbUp: {Message}", string.Format(format, args));
        public void LogError(string format, params object[] args) => logger.LogError("DbUp: {Message}", string.Format(format, args));
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "DbUp: {Message}", string.Format(format, args));
    }
}
