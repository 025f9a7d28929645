using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Notify.Hosting.Processes;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Ingress;

/// <summary>The ingress refuses to start, saying what to fix, when a dependency is missing.</summary>
public sealed class StartupTests(InfrastructureFixture infrastructure)
{
    [Fact]
    public async Task Unreachable_postgres_stops_start_up_with_a_message_naming_it()
    {
        var deadPort = FreePort.Next();
        var logs = await StartExpectingFailureAsync(
            $"Host=127.0.0.1;Port={deadPort};Username=notify;Password=x;Database=notifydb", infrastructure.Redis.ConnectionString);

        Assert.True(logs.Any(l => l.Contains($"PostgreSQL is not reachable at 127.0.0.1:{deadPort}", StringComparison.Ordinal)), string.Join("\n", logs));
        Assert.DoesNotContain(logs, l => l.Contains("Password=x", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unreachable_redis_stops_start_up_with_a_message_naming_it()
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var deadPort = FreePort.Next();

        var logs = await StartExpectingFailureAsync(database, $"127.0.0.1:{deadPort},connectTimeout=500");

        Assert.Contains(logs, l => l.Contains("Redis is not reachable", StringComparison.Ordinal) && l.Contains(deadPort.ToString(), StringComparison.Ordinal));
    }

    private static async Task<IReadOnlyCollection<string>> StartExpectingFailureAsync(string database, string redis)
    {
        var logs = new CapturedLogs();
        await using var factory = new WebApplicationFactory<Notify.Ingress.IngressEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            // Settings, not app configuration: the ingress reads its connection strings while
            // the builder is being set up, before app configuration callbacks apply.
            host.UseSetting("ConnectionStrings:notifydb", database);
            host.UseSetting("ConnectionStrings:redis", redis);
            host.ConfigureLogging(logging => logging.AddProvider(logs));
        });

        Assert.ThrowsAny<Exception>(() => factory.Server.CreateHandler());
        await Task.CompletedTask;
        return logs.Lines;
    }
}
