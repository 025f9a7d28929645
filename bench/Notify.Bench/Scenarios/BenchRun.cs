using Grpc.Core;
using Notify.Bench.Cli;
using Notify.Bench.Connections;
using Notify.Bench.Load;
using Notify.Bench.Recording;
using Notify.Bench.Reporting;
using Notify.Bench.Targeting;
using Notify.Grpc.V1;

namespace Notify.Bench.Scenarios;

/// <summary>Runs one scenario against one target: connect, check one call works, load, report.</summary>
internal static class BenchRun
{
    public static async Task<BenchReport> RunAsync(
        BenchOptions options, BenchTarget target, MachineInfo machine, TextWriter progress, CancellationToken stopping)
    {
        using var pool = new ChannelPool(target.Address, options.Channels);
        var factory = new NotificationFactory(NotificationFactory.NewRunId());
        var headers = new Metadata { { "authorization", $"Bearer {target.ApiKey}" } };
        var callers = Enumerable.Range(0, options.Concurrency)
            .Select(i => CreateCaller(options, pool.ClientFor(i), factory))
            .ToArray();

        await PreflightAsync(callers[0], options, target, headers, stopping);

        progress.WriteLine(
            $"run {factory.RunId}: {options.ScenarioName} against {target.Address} ({target.Source}), " +
            $"warmup {options.Warmup.TotalSeconds:0.###}s + {options.Duration.TotalSeconds:0.###}s measured…");
        var startedAt = DateTimeOffset.UtcNow;
        var cpu = CpuMeter.Start();
        var result = options.Rate is { } rate
            ? await OpenLoop.RunAsync(callers, headers, rate, options.Warmup, options.Duration, options.CallTimeout, stopping)
            : await ClosedLoop.RunAsync(callers, headers, options.Warmup, options.Duration, options.CallTimeout, stopping);

        return ToReport(options, target, machine, factory.RunId, startedAt, result) with { ProcessCpuCores = cpu.Cores() };
    }

    private static INotifyCaller CreateCaller(BenchOptions options, NotifyService.NotifyServiceClient client, NotificationFactory factory) =>
        options.Scenario switch
        {
            ScenarioKind.SendBatch => new SendBatchCaller(client, factory, options.BatchSize),
            _ => new SendCaller(client, factory),
        };

    /// <summary>
    /// One call before the clock starts, so a wrong key, a stopped server or a request the
    /// server rejects ends the run with the reason instead of 20 seconds of identical errors.
    /// </summary>
    private static async Task PreflightAsync(
        INotifyCaller caller, BenchOptions options, BenchTarget target, Metadata headers, CancellationToken stopping)
    {
        CallOutcome outcome;
        try
        {
            outcome = await caller.CallAsync(new CallOptions(headers, DateTime.UtcNow + options.CallTimeout, stopping));
        }
        catch (RpcException e) when (!stopping.IsCancellationRequested)
        {
            var hint = e.StatusCode switch
            {
                StatusCode.Unauthenticated =>
                    $"the API key was refused (from {(options.ApiKey is not null ? "--api-key" : $"{TargetResolver.ApiKeyVariable} or {target.Source}")})",
                StatusCode.Unavailable => $"nothing answered at {target.Address}: is Notify running (scripts/run.sh)?",
                StatusCode.Unimplemented => "the ingress does not implement this RPC yet",
                StatusCode.DeadlineExceeded => $"no answer within --timeout {options.CallTimeout.TotalSeconds:0.###}s",
                _ => null,
            };
            throw new PreflightFailedException(
                $"first {options.ScenarioName} call to {target.Address} failed with {e.StatusCode}: {e.Status.Detail}" +
                (hint is null ? "" : $"\n  {hint}"));
        }

        if (outcome.Rejections is [var first, ..])
        {
            var fields = string.Join(", ", first.Fields.Select(f => $"{f.Field}: {f.Description}"));
            throw new PreflightFailedException(
                $"the server rejected {outcome.Rejections.Count} of the benchmark's notifications: " +
                $"{(StatusCode)first.Code}: {first.Message}{(fields.Length > 0 ? $" ({fields})" : "")}");
        }
    }

    private static BenchReport ToReport(
        BenchOptions options, BenchTarget target, MachineInfo machine, string runId, DateTimeOffset startedAt, LoadResult result)
    {
        var t = result.Totals;
        double PerSecond(long count) => result.WindowSeconds > 0 ? Math.Round(count / result.WindowSeconds, 1) : 0;
        var open = options.Rate is not null;
        return new BenchReport
        {
            Scenario = options.ScenarioName,
            Loop = open ? "open" : "closed",
            SelfTest = options.SelfTest,
            Target = target.Address.ToString(),
            RunId = runId,
            StartedAt = startedAt,
            Machine = machine,
            Settings = new RunSettings(
                options.Concurrency,
                options.Channels,
                options.Scenario == ScenarioKind.SendBatch ? options.BatchSize : null,
                options.Rate,
                options.Warmup.TotalSeconds,
                options.Duration.TotalSeconds),
            WindowSeconds = Math.Round(result.WindowSeconds, 3),
            Interrupted = result.Interrupted,
            Calls = t.Calls,
            CallsPerSecond = PerSecond(t.Calls),
            FailedCalls = t.FailedCalls,
            NotificationsAccepted = t.NotificationsAccepted,
            NotificationsPerSecond = PerSecond(t.NotificationsAccepted),
            DeliveriesAccepted = t.DeliveriesAccepted,
            DeliveriesPerSecond = PerSecond(t.DeliveriesAccepted),
            ItemsRejected = t.ItemsRejected,
            Replayed = t.Replayed,
            Unsent = result.Unsent,
            MaxStartLagMs = open ? Math.Round(t.MaxStartLagMicros / 1000.0, 3) : null,
            ProcessCpuCores = 0,
            Latency = LatencySummary.From(t.Latency),
            ServiceTime = open ? LatencySummary.From(t.ServiceTime) : null,
            Errors = t.Errors.ToList(),
        };
    }
}

/// <summary>The first call failed; the message says why and what to check.</summary>
internal sealed class PreflightFailedException(string message) : Exception(message);
