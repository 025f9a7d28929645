namespace Notify.AppHost;

/// <summary>Knobs of the Notify topology; the AppHost reads them from args, tests set them.</summary>
public sealed record NotifyAppModelOptions
{
    /// <summary>Repository root (holds Notify.sln); found by walking up when null.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>State (data, dev key, endpoints.json); <c>&lt;repo&gt;/.notify</c> when null.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>False runs only PostgreSQL, Redis and the ingress.</summary>
    public bool IncludeChannels { get; init; } = true;

    /// <summary>Tests set false (fsync off) and non-persistent for speed and cleanliness.</summary>
    public bool DurablePostgres { get; init; } = true;

    public bool PersistentPostgres { get; init; } = true;

    /// <summary>
    /// Start a local Prometheus scraping every process (when Debian's <c>prometheus</c> is
    /// installed). The AppHost turns it on unless <c>--no-prometheus</c>; tests leave it off.
    /// </summary>
    public bool Prometheus { get; init; }

    public int IngressReplicas { get; init; } = 1;

    public int ChannelReplicas { get; init; } = 1;

    /// <summary>
    /// Extra environment for every channel process (tests: short retry delays and circuit
    /// breaks, e.g. <c>Notify__Delivery__CircuitBreak</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> ChannelEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment for every ingress replica (tests: log levels, settings under test).</summary>
    public IReadOnlyDictionary<string, string> IngressEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment for the provider sandbox (tests: fault settings, receipt targets).</summary>
    public IReadOnlyDictionary<string, string> SandboxEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Where every process exports traces, metrics and logs (tests: their own OTLP receiver);
    /// null keeps the run's setting (<c>--otlp</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).
    /// </summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c> for <see cref="OtlpEndpoint"/>; null keeps the run's setting.</summary>
    public string? OtlpProtocol { get; init; }

    public static NotifyAppModelOptions FromArgs(string[] args)
    {
        var options = new NotifyAppModelOptions
        {
            IncludeChannels = !args.Contains("--no-channels"),
            Prometheus = !args.Contains("--no-prometheus"),
        };
        var stateDir = Array.IndexOf(args, "--state-dir");
        return stateDir >= 0 && stateDir < args.Length - 1
            ? options with { StateDirectory = Path.GetFullPath(args[stateDir + 1]) }
            : options;
    }
}
