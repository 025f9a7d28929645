using System.Diagnostics;
using Notify.Outbox;
using Notify.Outbox.Receipts;
using Npgsql;

namespace Notify.DrainBench;

/// <summary>
/// How fast the email process's receipt store takes SendGrid-style <c>delivered</c> events:
/// enqueues <c>count</c> deliveries, marks them SENT, then records one delivered event per
/// delivery through <see cref="ReceiptStore.RecordAsync"/> in requests of <c>batch</c> events
/// from <c>callers</c> concurrent callers (SendGrid batches events per POST). Measures the
/// database side of a receipt request: signature checks and HTTP are not included.
/// </summary>
internal static class ReceiptLoad
{
    public static async Task<int> RunAsync(string connectionString, int count, int batch, int callers)
    {
        await Enqueuer.EnqueueAsync(connectionString, count);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var ids = new List<Guid>(count);
        await using (var command = dataSource.CreateCommand(
            "UPDATE notify.deliveries SET status = 'SENT', sent_at = now() WHERE channel = 'email' AND status = 'PENDING' RETURNING id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetGuid(0));
            }
        }

        var store = new ReceiptStore(dataSource);
        var next = -batch;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var first = Interlocked.Add(ref next, batch);
                if (first >= ids.Count)
                {
                    return;
                }
                var events = ids.Skip(first).Take(batch).Select(id => new ReceiptEvent(
                    "bench-" + Guid.NewGuid().ToString("N"), "delivered", ReceiptKind.Delivered, id, "m", DateTimeOffset.UtcNow)).ToList();
                await store.RecordAsync(ChannelNames.Email, "sendgrid", events, CancellationToken.None);
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);

        await using var check = dataSource.CreateCommand("SELECT count(*) FROM notify.deliveries WHERE channel = 'email' AND status = 'DELIVERED'");
        var delivered = (long)(await check.ExecuteScalarAsync())!;
        Console.WriteLine($"receipts: {ids.Count} delivered events in requests of {batch} from {callers} callers: " +
            $"{elapsed.TotalSeconds:0.00} s, {ids.Count / elapsed.TotalSeconds:0} events/s, {ids.Count / (double)batch / elapsed.TotalSeconds:0} requests/s; " +
            $"{delivered} deliveries DELIVERED");
        return delivered >= ids.Count ? 0 : 1;
    }
}
