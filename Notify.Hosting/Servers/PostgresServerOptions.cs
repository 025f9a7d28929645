using Notify.Hosting.Processes;

namespace Notify.Hosting.Servers;

/// <summary>How to run one native PostgreSQL server.</summary>
public sealed record PostgresServerOptions
{
    /// <summary>The data directory (PGDATA). Created and initialised when empty.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Keep the data directory after <see cref="PostgresServer.DisposeAsync"/>; false deletes it.</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>
    /// False turns off fsync, synchronous_commit and full_page_writes: much faster for tests,
    /// and a power loss can corrupt the cluster, so the AppHost keeps the default.
    /// </summary>
    public bool Durable { get; init; } = true;

    public int MaxConnections { get; init; } = 200;

    public string SharedBuffers { get; init; } = "256MB";

    /// <summary>Name used to tag the server's log lines.</summary>
    public string Name { get; init; } = "postgres";

    public Action<LogLine>? OnLog { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
