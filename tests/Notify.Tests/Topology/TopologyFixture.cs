using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Notify.AppHost;
using Notify.Grpc.Admin.V1;
using Notify.Grpc.V1;
using Notify.Hosting;

namespace Notify.Tests.Topology;

/// <summary>
/// The whole topology as real processes, built from the AppHost's own model
/// (<see cref="NotifyAppModel.Configure"/>): PostgreSQL, Redis, the ingress and the five
/// channel processes, in a state directory of its own. Every line any process writes is
/// kept, so tests can assert that nothing logged an error.
/// </summary>
public class TopologyFixture : IAsyncLifetime
{
    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), "notify-topology-" + Guid.NewGuid().ToString("N")[..8]);
    private GrpcChannel? _channel;

    public LocalApp App { get; private set; } = null!;

    public NotifyTopology Topology { get; private set; } = null!;

    public ConcurrentQueue<Notify.Hosting.Processes.LogLine> Logs { get; } = new();

    public NotifyService.NotifyServiceClient Client { get; private set; } = null!;

    public Metadata DevelopmentKey => new() { { "authorization", "Bearer " + Topology.DevelopmentApiKey } };

    /// <summary>The admin API of the ingress; the AppHost's development secrets sign its tokens.</summary>
    public AdminService.AdminServiceClient Admin { get; private set; } = null!;

    /// <summary>Admin metadata with a token of <paramref name="role"/> signed with the topology's development key.</summary>
    public Metadata AdminHeaders(string role = "admin", string subject = "test")
        => new() { { "authorization", "Bearer " + Topology.Admin!.Mint(role, subject) } };

    public virtual async ValueTask InitializeAsync()
    {
        var builder = LocalApp.CreateBuilder([]);
        builder.Options.OnLog = Logs.Enqueue;
        builder.Options.WaitTimeout = TimeSpan.FromMinutes(2);
        Topology = NotifyAppModel.Configure(builder, Customize(new NotifyAppModelOptions
        {
            StateDirectory = _stateDirectory,
            DurablePostgres = false,
            PersistentPostgres = false,
        }));
        App = builder.Build();
        try
        {
            await App.StartAsync();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("The topology did not start:\n" + string.Join("\n", Logs.TakeLast(40)), ex);
        }
        Connect();
    }

    /// <summary>
    /// A fixture for a kind of test changes the model here: channel settings such as short
    /// retry delays (<see cref="NotifyAppModelOptions.ChannelEnvironment"/>), sandbox faults,
    /// replicas. The default runs the topology as the AppHost does.
    /// </summary>
    protected virtual NotifyAppModelOptions Customize(NotifyAppModelOptions options) => options;

    /// <summary>Opens a new gRPC channel to the ingress (after it was restarted, say).</summary>
    public void Connect()
    {
        _channel?.Dispose();
        _channel = GrpcChannel.ForAddress(App.GetEndpoint("ingress", "grpc"));
        Client = new NotifyService.NotifyServiceClient(_channel);
        Admin = new AdminService.AdminServiceClient(_channel);
    }

    public virtual async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
