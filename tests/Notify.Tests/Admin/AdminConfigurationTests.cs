using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Notify.Grpc.Admin.V1;
using Notify.Tests.Infrastructure;

namespace Notify.Tests.Admin;

/// <summary>Notify:Admin at start: unset turns the admin API off (UNAVAILABLE); set but invalid stops the ingress.</summary>
public sealed class AdminConfigurationTests(InfrastructureFixture infrastructure)
{
    [Fact]
    public async Task Without_a_signing_key_the_admin_api_answers_unavailable_and_says_so_once_at_start()
    {
        var logs = new CapturedLogs();
        await using var factory = await StartAsync(new Dictionary<string, string>(), logs);
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = factory.Server.CreateHandler() });
        var admin = new AdminService.AdminServiceClient(channel);
        var token = new AdminCredentials().Token("admin");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            admin.ListTenantsAsync(new ListTenantsRequest(), new Metadata { { "authorization", "Bearer " + token } }).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => admin.ListTenantsAsync(new ListTenantsRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("admin API not configured", error.Status.Detail, StringComparison.Ordinal);
        Assert.Single(logs.Lines, l => l.Contains("admin API not configured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signing_key_shorter_than_32_bytes_stops_start_naming_the_setting_not_the_value()
    {
        const string ShortKey = "c2hvcnQta2V5LW9ubHktMjAtYnl0";   // base64 of 20 bytes
        var logs = new CapturedLogs();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(new Dictionary<string, string>
        {
            ["Notify:Admin:Jwt:SigningKeys:0"] = ShortKey,
            ["Notify:Admin:ReplayHmacSecret"] = new string('s', 40),
        }, logs));

        Assert.Contains("Notify:Admin:Jwt:SigningKeys:0", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ShortKey, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(ShortKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signing_key_without_a_replay_secret_stops_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(new Dictionary<string, string>
        {
            ["Notify:Admin:Jwt:SigningKeys:0"] = Convert.ToBase64String(new byte[32]),
        }, new CapturedLogs()));

        Assert.Contains("Notify:Admin:ReplayHmacSecret is required", error.ToString(), StringComparison.Ordinal);
    }

    private async Task<WebApplicationFactory<Notify.Ingress.IngressEntryPoint>> StartAsync(IReadOnlyDictionary<string, string> settings, CapturedLogs logs)
    {
        var database = await infrastructure.CreateDatabaseAsync();
        var factory = new WebApplicationFactory<Notify.Ingress.IngressEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            host.ConfigureLogging(logging => logging.AddProvider(logs));
            host.UseSetting("ConnectionStrings:notifydb", database);
            host.UseSetting("ConnectionStrings:redis", infrastructure.Redis.ConnectionString);
            host.UseSetting("Notify:Retention:Enabled", "false");
            foreach (var (key, value) in settings)
            {
                host.UseSetting(key, value);
            }
        });
        try
        {
            _ = factory.Server.CreateHandler();
            return factory;
        }
        catch
        {
            await factory.DisposeAsync();
            throw;
        }
    }
}
