using Notify.Hosting.Processes;

namespace Notify.Hosting.Servers;

/// <summary>How to run one native Redis server (no persistence: the outbox is in PostgreSQL).</summary>
public sealed record RedisServerOptions
{
    /// <summary>Working directory; holds the log file.</summary>
    public required string Directory { get; init; }

    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Keep <see cref="Directory"/> after <see cref="RedisServer.DisposeAsync"/>.</summary>
    public bool Persistent { get; init; } = true;

    public string Name { get; init; } = "redis";

    public Action<LogLine>? OnLog { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
