namespace Notify.Bench.Cli;

/// <summary>The scenarios the tool can run.</summary>
internal enum ScenarioKind
{
    SendBatch,
    Send,
    Soak,
}

/// <summary>Everything a run was asked to do, after defaults are applied.</summary>
internal sealed record BenchOptions
{
    public required ScenarioKind Scenario { get; init; }

    /// <summary>The gRPC ingress, e.g. <c>http://127.0.0.1:5101</c>; null means find it in endpoints.json.</summary>
    public Uri? Address { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Calls in flight at once (closed loop) or at most (open loop).</summary>
    public required int Concurrency { get; init; }

    /// <summary>Notifications per SendBatch call.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Calls per second for an open-loop run; null means closed loop, as fast as possible.</summary>
    public double? Rate { get; init; }

    /// <summary>GrpcChannels (each its own HTTP/2 connection pool) the callers are spread over.</summary>
    public required int Channels { get; init; }

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The deadline of each call.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string? JsonPath { get; init; }

    /// <summary>Soak: how often memory and the outbox are sampled.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Soak: where the samples and summary go; null means <c>bench/soak/&lt;run id&gt;</c>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Run against the in-process fake server in SelfTest/ instead of a real Notify.</summary>
    public bool SelfTest { get; init; }

    /// <summary>How long the self-test's fake server waits before answering.</summary>
    public TimeSpan SelfTestDelay { get; init; } = TimeSpan.Zero;

    public string ScenarioName => Scenario switch
    {
        ScenarioKind.SendBatch => "send-batch",
        ScenarioKind.Soak => "soak",
        _ => "send",
    };

    /// <summary>Notifications one call carries.</summary>
    public int ItemsPerCall => Scenario == ScenarioKind.SendBatch ? BatchSize : 1;
}
