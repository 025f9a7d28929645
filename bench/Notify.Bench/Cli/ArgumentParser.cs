using System.Globalization;

namespace Notify.Bench.Cli;

/// <summary>Turns <c>scenario [options]</c> into <see cref="BenchOptions"/>; a bad argument throws <see cref="UsageException"/>.</summary>
internal static class ArgumentParser
{
    public const string Usage = """
        usage: Notify.Bench <scenario> [options]

        scenarios:
          send-batch   SendBatch calls of --batch notifications, --concurrency calls in flight
          send         unary Send calls, closed loop; with --rate N, open loop paced at N calls/s
          soak         mixed load on all five channels (Send and SendBatch, templates, refused
                       recipients, sandbox faults) at --rate N notifications/s (default 200) for
                       --duration (default 10m), sampling each process's memory and the outbox
                       every --sample into --out; --warmup (default 2m) is excluded from the
                       memory trend. Needs the running AppHost's .notify/endpoints.json.

        options:
          --address URL      gRPC ingress (default: resources.ingress.endpoints.grpc in
                             <repo>/.notify/endpoints.json, written by the running AppHost)
          --api-key KEY      tenant API key (default: env NOTIFY_API_KEY, then developmentApiKey)
          --concurrency N    callers (default: send-batch 4, send 64)
          --batch N          notifications per SendBatch call, 1..1000 (default 500)
          --rate N           open loop: start N calls/s on a fixed schedule
          --channels N       GrpcChannels to spread callers over (default: concurrency/16, 1..8)
          --warmup T         unmeasured lead-in, e.g. 3s, 500ms (default 3s)
          --duration T       measured window (default 20s)
          --timeout T        deadline of each call (default 30s)
          --json PATH        also write the results as JSON
          --sample T         soak: sampling interval (default 5s)
          --out DIR          soak: output folder (default bench/soak/<run id>)
          --self-test        run against an in-process fake server (measures the client only)
          --self-test-delay T  the fake server's answer delay (default 0)
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            throw new UsageException(null);
        }

        var scenario = args[0] switch
        {
            "send-batch" => ScenarioKind.SendBatch,
            "send" => ScenarioKind.Send,
            "soak" => ScenarioKind.Soak,
            var other => throw new UsageException($"unknown scenario '{other}'"),
        };

        Uri? address = null;
        string? apiKey = null, json = null, output = null;
        int? concurrency = null, channels = null;
        var batch = 500;
        double? rate = null;
        var soak = scenario == ScenarioKind.Soak;
        TimeSpan warmup = soak ? TimeSpan.FromMinutes(2) : TimeSpan.FromSeconds(3), duration = soak ? TimeSpan.FromMinutes(10) : TimeSpan.FromSeconds(20);
        TimeSpan timeout = TimeSpan.FromSeconds(30), sample = TimeSpan.FromSeconds(5);
        var selfTest = false;
        var selfTestDelay = TimeSpan.Zero;

        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value");

            switch (name)
            {
                case "--address": address = ParseAddress(Value()); break;
                case "--api-key": apiKey = Value(); break;
                case "--concurrency": concurrency = ParseInt(name, Value(), 1, 10_000); break;
                case "--batch": batch = ParseInt(name, Value(), 1, 1000); break;
                case "--rate": rate = ParsePositive(name, Value()); break;
                case "--channels": channels = ParseInt(name, Value(), 1, 256); break;
                case "--warmup": warmup = ParseDuration(name, Value(), allowZero: true); break;
                case "--duration": duration = ParseDuration(name, Value(), allowZero: false); break;
                case "--timeout": timeout = ParseDuration(name, Value(), allowZero: false); break;
                case "--json": json = Value(); break;
                case "--sample": sample = ParseDuration(name, Value(), allowZero: false); break;
                case "--out": output = Value(); break;
                case "--self-test": selfTest = true; break;
                case "--self-test-delay": selfTestDelay = ParseDuration(name, Value(), allowZero: true); break;
                case "-h" or "--help": throw new UsageException(null);
                default: throw new UsageException($"unknown option '{name}'");
            }
        }

        var callers = concurrency ?? scenario switch { ScenarioKind.SendBatch => 4, ScenarioKind.Soak => 32, _ => 64 };
        return new BenchOptions
        {
            Scenario = scenario,
            Address = address,
            ApiKey = apiKey,
            Concurrency = callers,
            BatchSize = batch,
            Rate = rate,
            // One HTTP/2 connection is read by one loop on one thread; past ~16 busy streams
            // that loop, not the server, becomes the limit, so spread callers out.
            Channels = channels ?? Math.Clamp(callers / 16, 1, 8),
            Warmup = warmup,
            Duration = duration,
            CallTimeout = timeout,
            JsonPath = json,
            SampleInterval = sample,
            OutputDirectory = output,
            SelfTest = selfTest,
            SelfTestDelay = selfTestDelay,
        };
    }

    /// <summary>Reads <c>20s</c>, <c>500ms</c>, <c>2m</c>, or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string name, string text, bool allowZero)
    {
        var (number, unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1.0),
            _ when text.EndsWith('s') => (text[..^1], 1000.0),
            _ when text.EndsWith('m') => (text[..^1], 60_000.0),
            _ => (text, 1000.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || value < 0 || (value == 0 && !allowZero) || double.IsInfinity(value))
        {
            throw new UsageException($"{name} '{text}' is not a duration such as 20s, 500ms or 2m");
        }

        return TimeSpan.FromMilliseconds(value * unit);
    }

    private static Uri ParseAddress(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UsageException($"--address '{text}' is not an http(s) URL such as http://127.0.0.1:5101");

    private static int ParseInt(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{name} '{text}' must be a whole number from {min} to {max}");

    private static double ParsePositive(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value)
            ? value
            : throw new UsageException($"{name} '{text}' must be a positive number");
}

/// <summary>A command line the tool cannot run; the message says which argument, null asks for the usage text.</summary>
internal sealed class UsageException(string? problem) : Exception(problem ?? "usage")
{
    public string? Problem { get; } = problem;
}
