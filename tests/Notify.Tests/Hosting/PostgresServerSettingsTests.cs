using Notify.Tests.Infrastructure;
using Npgsql;

namespace Notify.Tests.Hosting;

/// <summary>Settings the AppHost's PostgreSQL launcher gives the server (the test servers use the same launcher).</summary>
public sealed class PostgresServerSettingsTests(InfrastructureFixture infrastructure)
{
    /// <summary>
    /// Zero-filling a new WAL segment holds the WAL write lock for tens of milliseconds, and every
    /// commit waits behind it: under steady load on a young database that is a stall of all callers
    /// every few seconds.
    /// </summary>
    [Fact]
    public async Task New_wal_segments_are_not_zero_filled_while_commits_wait()
    {
        await using var connection = new NpgsqlConnection(infrastructure.Postgres.ConnectionString("postgres"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SHOW wal_init_zero", connection);

        Assert.Equal("off", await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
