using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;
using Notify.Outbox.Tenants;
using Npgsql;

namespace Notify.Tests.Infrastructure;

/// <summary>
/// The ingress hosted in-process (the real Program, its real start-up checks and
/// migrations) against a database of its own on the shared PostgreSQL and Redis.
/// Tests isolate themselves from each other by creating a tenant each. The admin API is
/// configured with secrets of the fixture's own (<see cref="AdminCredentials"/>).
/// </summary>
public class IngressFixture(InfrastructureFixture infrastructure) : IAsyncLifetime
{
    private WebApplicationFactory<Notify.Ingress.IngressEntryPoint>? _factory;
    private GrpcChannel? _channel;

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource Database { get; private set; } = null!;

    public NotifyService.NotifyServiceClient Client { get; private set; } = null!;

    /// <summary>The admin API over gRPC; calls need <see cref="AdminCredentials"/> headers.</summary>
    public AdminService.AdminServiceClient Admin { get; private set; } = null!;

    public AdminCredentials AdminCredentials { get; } = new();

    public InfrastructureFixture Infrastructure => infrastructure;

    public CapturedLogs Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await infrastructure.CreateDatabaseAsync();
        Database = NpgsqlDataSource.Create(ConnectionString);
        Start();
    }

    /// <summary>Stops the ingress and starts a new one on the same database.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        Start();
    }

    public async Task<TestTenant> CreateTenantAsync(string? name = null)
    {
        var created = await new TenantStore(Database).CreateAsync(name ?? "tenant-" + Guid.NewGuid().ToString("N")[..12]);
        return new TestTenant(created.Id, created.Name, created.ApiKey, Client);
    }

    public async Task<long> CountAsync(string sql, Guid tenantId)
    {
        await using var command = Database.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant", tenantId);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public T GetService<T>() where T : notnull => _factory!.Services.GetRequiredService<T>();

    /// <summary>An HTTP/1.1 client of the in-process ingress, as curl would talk to its HTTP JSON routes.</summary>
    public HttpClient CreateHttpClient() => _factory!.CreateClient();

    /// <summary>A fixture for a kind of test adds settings here (e.g. turns the retention schedule off).</summary>
    protected virtual void Configure(IWebHostBuilder host)
    {
    }

    private void Start()
    {
        _factory = new WebApplicationFactory<Notify.Ingress.IngressEntryPoint>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            host.ConfigureLogging(logging => logging.AddProvider(Logs));
            // Settings, not app configuration: the ingress reads its connection strings while
            // the builder is being set up, before app configuration callbacks apply.
            host.UseSetting("ConnectionStrings:notifydb", ConnectionString);
            host.UseSetting("ConnectionStrings:redis", infrastructure.Redis.ConnectionString);
            foreach (var (key, value) in AdminCredentials.Settings)
            {
                host.UseSetting(key, value);
            }
            Configure(host);
        });
        Microsoft.AspNetCore.TestHost.TestServer server;
        try
        {
            server = _factory.Server;
            _ = server.CreateHandler();
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException("The ingress did not start:\n" + string.Join("\n", Logs.Lines.TakeLast(30)), ex);
        }
        _channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions { HttpHandler = server.CreateHandler() });
        Client = new NotifyService.NotifyServiceClient(_channel);
        Admin = new AdminService.AdminServiceClient(_channel);
    }

    private async Task StopAsync()
    {
        _channel?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>A tenant created for one test, with a client that sends its API key.</summary>
public sealed record TestTenant(Guid Id, string Name, string ApiKey, NotifyService.NotifyServiceClient Client)
{
    public Metadata Headers { get; } = new() { { "authorization", "Bearer " + ApiKey } };

    public Task<SendResponse> SendAsync(SendRequest request) => Client.SendAsync(request, Headers).ResponseAsync;

    public Task<SendBatchResponse> SendBatchAsync(SendBatchRequest request) => Client.SendBatchAsync(request, Headers).ResponseAsync;

    public Task<Notification> GetAsync(string id) => Client.GetNotificationAsync(new GetNotificationRequest { NotificationId = id }, Headers).ResponseAsync;

    public Task<CancelNotificationResponse> CancelAsync(string id) => Client.CancelNotificationAsync(new CancelNotificationRequest { NotificationId = id }, Headers).ResponseAsync;
}
