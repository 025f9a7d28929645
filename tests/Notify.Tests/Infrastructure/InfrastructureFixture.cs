using Microsoft.Extensions.Logging.Abstractions;
using Notify.Hosting.Servers;
using Notify.Outbox;
using Npgsql;

[assembly: AssemblyFixture(typeof(Notify.Tests.Infrastructure.InfrastructureFixture))]

namespace Notify.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL and one real Redis for the whole test run, started on free loopback
/// ports by the AppHost's own launchers. A database migrated once serves as the template
/// every test class clones its own database from (a copy takes milliseconds; migrating
/// takes much longer).
/// </summary>
public sealed class InfrastructureFixture : IAsyncLifetime
{
    private const string TemplateDatabase = "notify_template";
    private int _databases;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "notify-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public PostgresServer Postgres { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        // Tests need no crash safety: fsync off makes each commit cheap.
        var postgres = PostgresServer.StartAsync(new PostgresServerOptions
        {
            DataDirectory = Path.Combine(_root, "postgres"),
            Persistent = false,
            Durable = false,
            Name = "test-postgres",
        });
        var redis = RedisServer.StartAsync(new RedisServerOptions { Directory = Path.Combine(_root, "redis"), Persistent = false, Name = "test-redis" });
        Postgres = await postgres;
        Redis = await redis;

        await Postgres.CreateDatabaseAsync(TemplateDatabase);
        await OutboxMigrator.MigrateAsync(Postgres.ConnectionString(TemplateDatabase), NullLogger.Instance);
        // A template database must have no open connections while it is copied.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>A fresh, migrated database of its own for a test class.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"notify_test_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {TemplateDatabase}", connection);
        await command.ExecuteNonQueryAsync();
        return Postgres.ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
