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

    /// <summary>Replicas of every channel process not named in <see cref="Replicas"/>.</summary>
    public int ChannelReplicas { get; init; } = 1;

    /// <summary>
    /// Replicas per channel (<c>email</c> → 2), e.g. for the crash drill, which kills one of
    /// two; a channel not named runs <see cref="ChannelReplicas"/>. From
    /// <c>--replicas email=2,whatsapp=2</c>.
    /// </summary>
    public IReadOnlyDictionary<string, int> Replicas { get; init; } = new Dictionary<string, int>();

    /// <summary>The most replicas of one channel the AppHost starts (each is a process on a 2-core laptop, too).</summary>
    public const int MaxReplicas = 8;

    /// <summary>How many processes of <paramref name="channel"/> to run.</summary>
    public int ReplicasOf(string channel) => Replicas.TryGetValue(channel, out var count) ? count : ChannelReplicas;

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

    /// <summary>The AppHost's arguments; an <see cref="ArgumentException"/> names what is wrong with one.</summary>
    public static NotifyAppModelOptions FromArgs(string[] args)
    {
        var options = new NotifyAppModelOptions
        {
            IncludeChannels = !args.Contains("--no-channels"),
            Prometheus = !args.Contains("--no-prometheus"),
            Replicas = ParseReplicas(args),
        };
        var stateDir = Array.IndexOf(args, "--state-dir");
        return stateDir >= 0 && stateDir < args.Length - 1
            ? options with { StateDirectory = Path.GetFullPath(args[stateDir + 1]) }
            : options;
    }

    /// <summary>
    /// <c>--replicas email=2,whatsapp=2</c> (the option may be repeated): channel names as in
    /// <see cref="NotifyAppModel.ChannelProjects"/>, counts from 1 to <see cref="MaxReplicas"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, int> ParseReplicas(string[] args)
    {
        var replicas = new Dictionary<string, int>(StringComparer.Ordinal);
        var channels = NotifyAppModel.ChannelProjects.Select(c => c.Name).ToList();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] != "--replicas")
            {
                continue;
            }
            if (i == args.Length - 1 || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException("--replicas needs CHANNEL=COUNT[,CHANNEL=COUNT…], e.g. --replicas email=2,whatsapp=2.");
            }
            foreach (var pair in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || !channels.Contains(parts[0]))
                {
                    throw new ArgumentException(
                        $"--replicas: '{pair}' is not CHANNEL=COUNT with CHANNEL one of {string.Join(", ", channels)} (e.g. email=2).");
                }
                if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
                    || count is < 1 or > MaxReplicas)
                {
                    throw new ArgumentException($"--replicas: the count for {parts[0]} must be a whole number from 1 to {MaxReplicas}, not '{parts[1]}'.");
                }
                replicas[parts[0]] = count;
            }
        }
        return replicas;
    }
}
