using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Notify.Bench.Cli;
using Notify.Bench.Connections;
using Notify.Bench.Load;
using Notify.Bench.Reporting;
using Notify.Bench.Targeting;
using Notify.Grpc.V1;
using Npgsql;

namespace Notify.Bench.Soak;

/// <summary>
/// The soak (issue 6, item 10): mixed load on all five channels for <c>--duration</c> at
/// <c>--rate</c> notifications/s, with sandbox faults so retries, throttling and dead letters
/// happen, while every <c>--sample</c> the memory of each process and the outbox are recorded.
/// After the load it samples on until the outbox is drained (at most two minutes), then writes
/// the samples (CSV) and a summary (JSON and Markdown) to <c>--out</c>.
/// </summary>
internal static class SoakRun
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(2);
    private static readonly string[] Statuses = ["PENDING", "SENDING", "RETRYING", "SENT", "DELIVERED", "FAILED", "DEAD", "SKIPPED", "EXPIRED", "CANCELLED"];

    public static async Task<int> RunAsync(BenchOptions options, BenchTarget target, string endpointsPath, MachineInfo machine, TextWriter output, CancellationToken stopping)
    {
        var system = SoakSystem.Read(endpointsPath);
        var runId = Scenarios.NotificationFactory.NewRunId();
        var outputDirectory = options.OutputDirectory ?? Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(endpointsPath))!, "bench", "soak", runId);
        Directory.CreateDirectory(outputDirectory);
        var rate = options.Rate ?? 200;
        var callRate = rate / SoakCaller.NotificationsPerCall;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var database = NpgsqlDataSource.Create(system.DatabaseConnectionString);
        using var pool = new ChannelPool(target.Address, options.Channels);
        var headers = new Metadata { { "authorization", $"Bearer {target.ApiKey}" } };
        var notifications = new SoakNotifications(runId, system.Sandbox);

        await SetFaultsAsync(http, system.Sandbox, stopping);
        foreach (var template in SoakNotifications.Templates())
        {
            await pool.ClientFor(0).PutTemplateAsync(template, headers, cancellationToken: stopping);
        }
        var callers = Enumerable.Range(0, options.Concurrency).Select(i => new SoakCaller(pool.ClientFor(i), notifications, i)).ToArray();
        await callers[0].CallAsync(new CallOptions(headers, DateTime.UtcNow + options.CallTimeout, stopping));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak {runId}: {rate:0.#} notifications/s ({callRate:0.#} calls/s: 3 Send to 1 SendBatch of {SoakCaller.BatchSize}) for {options.Duration.TotalMinutes:0.##} min against {target.Address}; sampling every {options.SampleInterval.TotalSeconds:0.#} s into {outputDirectory}"));

        var sampler = new SoakSampler(system, database, http);
        var memory = new List<MemorySample>();
        var queues = new List<QueueSample>();
        var statuses = new List<StatusSample>();
        var clock = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        var loadDone = new CancellationTokenSource();
        double loadEnd = double.MaxValue;

        async Task SampleOnceAsync(DateTimeOffset since)
        {
            var seconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
            memory.AddRange(await sampler.MemoryAsync(seconds, stopping));
            var queue = await sampler.QueuesAsync(seconds, stopping);
            queues.AddRange(queue);
            var status = await sampler.StatusAsync(seconds, since, stopping);
            statuses.Add(status);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {seconds,6:0} s  load {status.LoadAverage,5:0.00}  lag {queue.Max(q => q.LagSeconds),6:0.00} s  due {queue.Sum(q => q.Due),5}  sent {status.SentInInterval,5} (p95 {status.SentP95 ?? 0:0.00} s)  " +
                $"rss {string.Join(" ", memory.Where(m => m.Seconds == seconds).Select(m => $"{m.Process}={m.RssMiB:0}"))}"));
        }

        var sampling = Task.Run(async () =>
        {
            var since = startedAt;
            using var timer = new PeriodicTimer(options.SampleInterval);
            do
            {
                var now = DateTimeOffset.UtcNow;
                await SampleOnceAsync(since);
                since = now;
            }
            while (!loadDone.IsCancellationRequested && await timer.WaitForNextTickAsync(loadDone.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
        }, stopping);

        var load = await OpenLoop.RunAsync(callers, headers, callRate, TimeSpan.Zero, options.Duration, options.CallTimeout, stopping);
        loadEnd = clock.Elapsed.TotalSeconds;
        await loadDone.CancelAsync();
        await sampling;

        // Drain: sample until nothing is due or being sent (retries scheduled later are left to their time), or the limit passes.
        var drainUntil = clock.Elapsed + DrainLimit;
        var drainSince = DateTimeOffset.UtcNow;
        while (!stopping.IsCancellationRequested && clock.Elapsed < drainUntil)
        {
            await Task.Delay(options.SampleInterval, stopping);
            var now = DateTimeOffset.UtcNow;
            await SampleOnceAsync(drainSince);
            drainSince = now;
            if (queues.Where(q => q.Seconds == queues[^1].Seconds).All(q => q.Due == 0 && q.Sending == 0))
            {
                break;
            }
        }
        var drained = clock.Elapsed.TotalSeconds - loadEnd;
        await http.DeleteAsync(new Uri(system.Sandbox, "/sandbox/faults"), CancellationToken.None);

        var summary = await SummarizeAsync(options, machine, runId, rate, callRate, startedAt, load, loadEnd, drained, memory, queues, statuses, database, stopping);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "memory.csv"), SoakSummary.MemoryCsv(memory), stopping);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "queues.csv"), SoakSummary.QueueCsv(queues), stopping);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "statuses.csv"), SoakSummary.StatusCsv(statuses, Statuses), stopping);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "summary.json"), JsonSerializer.Serialize(summary.Document, new JsonSerializerOptions { WriteIndented = true }), stopping);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "summary.md"), summary.Markdown, stopping);
        output.WriteLine();
        output.WriteLine(summary.Markdown);
        output.WriteLine($"wrote {outputDirectory}");
        return load.Totals.FailedCalls == 0 ? 0 : 1;
    }

    /// <summary>
    /// Faults on every provider the channels call: 2 % server errors (retried), 1 % throttled
    /// with Retry-After 1 s (the rate-limit key pauses), and the refused recipients' pattern.
    /// </summary>
    private static async Task SetFaultsAsync(HttpClient http, Uri sandbox, CancellationToken cancellationToken)
    {
        foreach (var (provider, pattern) in SoakNotifications.RejectPatterns)
        {
            var faults = provider == "smtp"
                ? (object)new { provider, invalidRecipientPattern = pattern }
                : new { provider, invalidRecipientPattern = pattern, serverErrorPercent = 2, throttlePercent = 1, retryAfterSeconds = 1 };
            var response = await http.PostAsJsonAsync(new Uri(sandbox, "/sandbox/faults"), faults, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"the sandbox refused faults for {provider}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    private sealed record Summary(object Document, string Markdown);

    private static async Task<Summary> SummarizeAsync(
        BenchOptions options, MachineInfo machine, string runId, double rate, double callRate, DateTimeOffset startedAt, LoadResult load,
        double loadEnd, double drained, List<MemorySample> memory, List<QueueSample> queues, List<StatusSample> statuses,
        NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var warmup = options.Warmup.TotalSeconds;
        var trends = SoakSummary.Memory(memory, warmup, loadEnd);
        var underLoad = queues.Where(q => q.Seconds <= loadEnd).ToList();
        var lag = Percentiles.Of(underLoad.GroupBy(q => q.Seconds).Select(g => g.Max(q => q.LagSeconds)));
        var lagByChannel = underLoad.GroupBy(q => q.Channel).ToDictionary(g => g.Key, g => Percentiles.Of(g.Select(q => q.LagSeconds)));
        var loads = statuses.Where(s => s.LoadAverage is not null && s.Seconds <= loadEnd).Select(s => s.LoadAverage!.Value).ToList();

        // Accept → sent over the whole run, for deliveries sent at their first attempt and for all.
        await using var latency = database.CreateCommand("""
            SELECT attempt_count = 1, count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM sent_at - created_at)),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM sent_at - created_at)),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM sent_at - created_at)),
                   max(EXTRACT(EPOCH FROM sent_at - created_at))::float8
            FROM notify.deliveries WHERE created_at >= @from AND sent_at IS NOT NULL
            GROUP BY 1 ORDER BY 1 DESC
            """);
        latency.Parameters.AddWithValue("from", startedAt);
        var sent = new List<object>();
        var latencyLines = new StringBuilder();
        await using (var reader = await latency.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var firstAttempt = reader.GetBoolean(0);
                var row = new { firstAttempt, count = reader.GetInt64(1), p50 = reader.GetDouble(2), p95 = reader.GetDouble(3), p99 = reader.GetDouble(4), max = reader.GetDouble(5) };
                sent.Add(row);
                latencyLines.Append(CultureInfo.InvariantCulture,
                    $"| accept → sent, {(firstAttempt ? "sent at the first attempt" : "sent after retries")} | {row.count:N0} | {row.p50:0.000} | {row.p95:0.000} | {row.p99:0.000} | {row.max:0.000} |\n");
            }
        }
        var finalCounts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var deadCodes = new List<string>();
        await using (var command = database.CreateCommand("SELECT status, count(*) FROM notify.deliveries WHERE created_at >= @from GROUP BY status"))
        {
            command.Parameters.AddWithValue("from", startedAt);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                finalCounts[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        await using (var command = database.CreateCommand("SELECT channel, coalesce(last_error_code, '-'), count(*) FROM notify.deliveries WHERE created_at >= @from AND status IN ('DEAD', 'FAILED') GROUP BY 1, 2 ORDER BY 1, 2"))
        {
            command.Parameters.AddWithValue("from", startedAt);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                deadCodes.Add($"{reader.GetString(0)} {reader.GetString(1)}: {reader.GetInt64(2)}");
            }
        }

        var t = load.Totals;
        // The sandbox is the providers' stand-in, not Notify: it keeps every message it accepted
        // (for /sandbox/messages), so it grows by design and is left out of the verdict.
        var flat = trends.Where(m => m.Process != "sandbox").All(m => m.Flat);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"## Soak {runId}, {startedAt:yyyy-MM-dd HH:mm} UTC\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Machine: `{machine.ToLine()}`. Load average (1 min) during the load: min {(loads.Count > 0 ? loads.Min() : 0):0.0}, mean {(loads.Count > 0 ? loads.Average() : 0):0.0}, max {(loads.Count > 0 ? loads.Max() : 0):0.0}.\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Offered {rate:0.#} notifications/s ({callRate:0.#} calls/s) for {load.WindowSeconds:0} s; accepted {t.NotificationsAccepted:N0} notifications ({t.NotificationsAccepted / Math.Max(1, load.WindowSeconds):0.#}/s), {t.DeliveriesAccepted:N0} deliveries; failed calls {t.FailedCalls}, rejected items {t.ItemsRejected}, unsent {load.Unsent}. Drain after the load: {drained:0} s.\n\n");
        md.Append(CultureInfo.InvariantCulture, $"**Outbox lag** (age of the oldest due, unclaimed delivery; the worst channel at each sample, {options.SampleInterval.TotalSeconds:0} s apart, under load): {lag}.\n\n");
        md.Append("| channel | lag p50 (s) | lag p95 (s) | lag max (s) |\n| --- | --- | --- | --- |\n");
        foreach (var (channel, p) in lagByChannel.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            md.Append(CultureInfo.InvariantCulture, $"| {channel} | {p.P50:0.000} | {p.P95:0.000} | {p.Max:0.000} |\n");
        }
        md.Append("\n| latency | deliveries | p50 (s) | p95 (s) | p99 (s) | max (s) |\n| --- | --- | --- | --- | --- | --- |\n").Append(latencyLines);
        md.Append(CultureInfo.InvariantCulture, $"\n**Memory** (RSS from /proc; GC heap after the last collection, from each process's metrics). Flat = after the {warmup:0} s warm-up, the least-squares line through RSS rises by less than {SoakSummary.FlatGrowthPercent:0} % of the mean RSS over the window; Notify's processes (the sandbox, which keeps every message it accepted, is not judged): **{(flat ? "flat" : "NOT flat")}**.\n\n");
        md.Append("| process | RSS start (MiB) | RSS end | RSS max | RSS slope after warm-up (MiB/min) | fitted rise over the window | last vs first minute | GC heap start (MiB) | GC heap end | GC heap max | GC heap slope (MiB/min) | flat |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        foreach (var m in trends)
        {
            md.Append(CultureInfo.InvariantCulture,
                $"| {m.Process} | {m.RssStartMiB:0} | {m.RssEndMiB:0} | {m.RssMaxMiB:0} | {m.RssSlopeMiBPerMinute:+0.00;-0.00;0.00} | {m.RssFittedRisePercent:+0.0;-0.0;0.0} % | {m.RssGrowthPercent:+0.0;-0.0;0.0} % | {m.HeapStartMiB:0.0} | {m.HeapEndMiB:0.0} | {m.HeapMaxMiB:0.0} | {m.HeapSlopeMiBPerMinute:+0.00;-0.00;0.00} | {(m.Process == "sandbox" ? "(not judged)" : m.Flat ? "yes" : "**no**")} |\n");
        }
        md.Append("\nDeliveries of this run by final status: ").Append(string.Join(", ", finalCounts.Select(c => $"{c.Key} {c.Value:N0}"))).Append(".\n");
        md.Append("Dead or failed, by channel and provider code: ").Append(deadCodes.Count == 0 ? "none" : string.Join(", ", deadCodes)).Append(".\n");

        var document = new
        {
            runId, startedAt, machine = machine.ToLine(), offeredNotificationsPerSecond = rate, callsPerSecond = callRate,
            windowSeconds = load.WindowSeconds, notificationsAccepted = t.NotificationsAccepted, deliveriesAccepted = t.DeliveriesAccepted,
            failedCalls = t.FailedCalls, itemsRejected = t.ItemsRejected, unsent = load.Unsent, errors = t.Errors.ToList(),
            drainSeconds = drained, loadAverage = loads.Count > 0 ? new { min = loads.Min(), mean = loads.Average(), max = loads.Max() } : null,
            lag, lagByChannel, acceptToSent = sent, memory = trends, memoryFlat = flat,
            flatDefinition = $"after the {warmup} s warm-up, the least-squares line through RSS rises by < {SoakSummary.FlatGrowthPercent} % of the mean RSS over the window (sandbox not judged)",
            finalStatus = finalCounts, deadOrFailed = deadCodes,
        };
        return new Summary(document, md.ToString());
    }
}
