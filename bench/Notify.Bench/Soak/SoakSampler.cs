using System.Globalization;
using Npgsql;

namespace Notify.Bench.Soak;

/// <summary>Memory of one process at one moment: RSS from /proc, GC heap from its metrics (null when not exported).</summary>
internal sealed record MemorySample(double Seconds, string Process, int Pid, double RssMiB, double? GcHeapMiB);

/// <summary>One channel's outbox at one moment.</summary>
internal sealed record QueueSample(double Seconds, string Channel, long Due, double LagSeconds, long Waiting, long Sending);

/// <summary>Deliveries by status at one moment, and the accept → sent latency of those sent since the previous sample.</summary>
internal sealed record StatusSample(double Seconds, double? LoadAverage, IReadOnlyDictionary<string, long> ByStatus, long SentInInterval, double? SentP50, double? SentP95, double? SentMax);

/// <summary>
/// Reads what the soak records every interval: each process's RSS (<c>/proc/PID/status</c>) and GC
/// heap (its <c>/metrics</c>), and from PostgreSQL the outbox lag per channel (age of the oldest
/// delivery that is due and not claimed: PENDING or RETRYING with <c>next_attempt_at</c> passed),
/// deliveries by status, and accept → sent latency of the deliveries sent in the interval.
/// </summary>
internal sealed class SoakSampler(SoakSystem system, NpgsqlDataSource database, HttpClient http)
{
    // The GC heap as .NET's System.Runtime meter (OpenTelemetry runtime instrumentation) exports it to Prometheus.
    private static readonly string[] HeapMetrics = ["dotnet_gc_last_collection_heap_size_bytes", "process_runtime_dotnet_gc_heap_size_bytes"];

    public async Task<IReadOnlyList<MemorySample>> MemoryAsync(double seconds, CancellationToken cancellationToken)
    {
        var samples = new List<MemorySample>();
        foreach (var process in system.Processes)
        {
            var rss = ReadRssMiB(process.Pid);
            if (rss is null)
            {
                continue;   // gone: the summary notes a process that stopped answering
            }
            samples.Add(new MemorySample(seconds, process.Name, process.Pid, rss.Value, await GcHeapMiBAsync(process.Metrics, cancellationToken)));
        }
        return samples;
    }

    public async Task<IReadOnlyList<QueueSample>> QueuesAsync(double seconds, CancellationToken cancellationToken)
    {
        // Served by the claim index (it holds only PENDING and RETRYING rows) plus the lease index.
        const string sql = """
            SELECT c.channel,
                   count(d.*) FILTER (WHERE d.next_attempt_at <= now()),
                   COALESCE(EXTRACT(EPOCH FROM now() - min(d.next_attempt_at) FILTER (WHERE d.next_attempt_at <= now())), 0)::float8,
                   count(d.*) FILTER (WHERE d.next_attempt_at > now()),
                   (SELECT count(*) FROM notify.deliveries s WHERE s.status = 'SENDING' AND s.channel = c.channel)
            FROM unnest(ARRAY['email','sms','whatsapp','webhook','push']) AS c(channel)
            LEFT JOIN notify.deliveries d ON d.channel = c.channel AND d.status IN ('PENDING', 'RETRYING')
            GROUP BY c.channel ORDER BY c.channel
            """;
        var samples = new List<QueueSample>();
        await using var command = database.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            samples.Add(new QueueSample(seconds, reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4)));
        }
        return samples;
    }

    public async Task<StatusSample> StatusAsync(double seconds, DateTimeOffset sentSince, CancellationToken cancellationToken)
    {
        var byStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using (var command = database.CreateCommand("SELECT status, count(*) FROM notify.deliveries GROUP BY status"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                byStatus[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        await using var latency = database.CreateCommand("""
            SELECT count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM sent_at - created_at)),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM sent_at - created_at)),
                   max(EXTRACT(EPOCH FROM sent_at - created_at))::float8
            FROM notify.deliveries WHERE sent_at >= @since
            """);
        latency.Parameters.AddWithValue("since", sentSince);
        await using var row = await latency.ExecuteReaderAsync(cancellationToken);
        await row.ReadAsync(cancellationToken);
        double? Value(int i) => row.IsDBNull(i) ? null : row.GetDouble(i);
        return new StatusSample(seconds, SoakSummary.ReadLoadAverage(), byStatus, row.GetInt64(0), Value(1), Value(2), Value(3));
    }

    private static double? ReadRssMiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kib / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    private async Task<double?> GcHeapMiBAsync(Uri? metrics, CancellationToken cancellationToken)
    {
        if (metrics is null)
        {
            return null;
        }
        try
        {
            var text = await http.GetStringAsync(metrics, cancellationToken);
            foreach (var name in HeapMetrics)
            {
                double total = 0;
                var found = false;
                foreach (var line in text.AsSpan().EnumerateLines())
                {
                    // name{labels} value [timestamp]: summed over the generations.
                    if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
                    {
                        var parts = line.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                        {
                            total += value;
                            found = true;
                        }
                    }
                }
                if (found)
                {
                    return total / (1024 * 1024);
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
        }
        return null;
    }
}
