using System.Reflection;
using Notify.Hosting.Processes;

namespace Notify.Hosting;

/// <summary>Settings of one app model run; <see cref="LocalApp.CreateBuilder"/> fills them from args.</summary>
public sealed class LocalAppOptions
{
    /// <summary>Where the state file, server data and logs go.</summary>
    public string StateDirectory { get; set; } = Path.Combine(Directory.GetCurrentDirectory(), ".notify");

    /// <summary>Directory that relative project paths are resolved against (Aspire: the AppHost project dir).</summary>
    public string AppHostDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>Build configuration whose output is launched: the caller's own, like DCP with --no-build.</summary>
    public string Configuration { get; set; } =
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>
    /// OTLP collector every process exports traces, metrics and logs to (as
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); when null no OTEL_EXPORTER_OTLP_* variable is passed.
    /// From <c>--otlp-endpoint URL</c>, else <c>NOTIFY_OTLP_ENDPOINT</c>, else the AppHost's own
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.
    /// </summary>
    public string? OtlpEndpoint { get; set; } =
        NonEmpty(System.Environment.GetEnvironmentVariable("NOTIFY_OTLP_ENDPOINT"))
        ?? NonEmpty(System.Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    /// <summary>
    /// <c>grpc</c> or <c>http/protobuf</c>, passed as <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> with the
    /// endpoint (as Aspire passes its dashboard's); null leaves the exporter's default (gRPC).
    /// </summary>
    public string? OtlpProtocol { get; set; } = System.Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL");

    /// <summary>How long a WaitFor may take before the start fails.</summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a process gets after SIGTERM before its tree is killed. The .NET host's own
    /// shutdown timeout (30 s): a channel process may spend its <c>Notify:Delivery:ShutdownTimeout</c>
    /// (25 s) letting provider calls finish, and killing it sooner turns those calls into
    /// duplicates when its leases are reaped.
    /// </summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Receives every log line of every process and server; null keeps them only in memory.</summary>
    public Action<LogLine>? OnLog { get; set; }

    /// <summary>
    /// A project replica ended without the app stopping it (a crash, a <c>kill -9</c> from
    /// outside). The app does not stop or restart anything: the other replicas run on, and the
    /// AppHost shows the replica as exited.
    /// </summary>
    public Action<Orchestration.ResourceProcess>? OnProcessExited { get; set; }

    /// <summary>Progress messages of the orchestrator itself (starting, healthy, stopping).</summary>
    public Action<string>? OnStatus { get; set; }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
