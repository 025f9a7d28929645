using System.Net.Http.Json;
using System.Text.Json;
using Notify.AppHost;
using Notify.Tests.Topology;
using Npgsql;

namespace Notify.Tests.Cli;

/// <summary>
/// A running topology for notifyctl, with the AppHost's <c>endpoints.json</c> written as
/// <c>scripts/run.sh</c> writes it: commands find everything (ingress, tokens, keys) through
/// <c>--endpoints</c>, exactly as an operator's notifyctl finds a local AppHost.
/// </summary>
public sealed class CliTopologyFixture : TopologyFixture
{
    private NpgsqlDataSource? _database;
    private readonly HttpClient _http = new();

    public string EndpointsFile => Topology.EndpointsFilePath;

    /// <summary>The topology's database, to assert what a command changed.</summary>
    public NpgsqlDataSource Database => _database!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Notify.AppHost.EndpointsFile.WriteAsync(App, Topology);
        _database = NpgsqlDataSource.Create(App.GetConnectionString(Topology.NotifyDb.Name));
    }

    /// <summary>notifyctl against this topology: <c>--endpoints</c> first, then <paramref name="args"/>.</summary>
    public Task<CliResult> RunAsync(params string[] args) => CliRun.RunAsync(["--endpoints", EndpointsFile, .. args]);

    /// <summary>How many times the provider sandbox received this delivery.</summary>
    public async Task<int> SandboxArrivalsAsync(string deliveryId)
    {
        var seen = await _http.GetFromJsonAsync<JsonElement>(new Uri(App.GetEndpoint("sandbox", "http"), $"/sandbox/messages?deliveryId={deliveryId}"));
        return seen.GetProperty("messages").EnumerateArray().Sum(m => m.GetProperty("arrivals").GetInt32() == 1 ? 1 : 0);
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Database.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }

    public override async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}

/// <summary>
/// Every test that runs notifyctl: not in parallel with anything (they redirect Console.Out),
/// sharing one topology.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection : ICollectionFixture<CliTopologyFixture>
{
    public const string Name = "notifyctl";
}
