using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Notify.Grpc.V1;
using Notify.Outbox;
using Notify.Outbox.Writing;
using Npgsql;

namespace Notify.DrainBench;

/// <summary>
/// Writes e-mail notifications the way the ingress does: through <see cref="OutboxWriter"/>
/// (group commit, NOTIFY on commit), one delivery each, inline content of ~100 bytes.
/// </summary>
internal static class Enqueuer
{
    private const int BatchSize = 500;
    private const int Callers = 4;
    public static readonly Guid TenantId = new("0195f0a0-0000-7000-8000-00000000be4c");

    private static readonly byte[] Content = new Content
    {
        Email = new EmailContent
        {
            Subject = "Your receipt",
            TextBody = "Thanks for your order. This message is part of Notify's drain benchmark.",
        },
    }.ToByteArray();

    /// <summary>Migrates the database and writes <paramref name="count"/> deliveries, as fast as the writer takes them.</summary>
    public static async Task<int> EnqueueAsync(string connectionString, int count)
    {
        await OutboxMigrator.MigrateAsync(connectionString, NullLogger.Instance);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var writer = NewWriter(dataSource);
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        var runid = "drain-" + Guid.NewGuid().ToString("N")[..8];
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var first = Interlocked.Add(ref next, BatchSize) - BatchSize + 1;
                if (first >= count)
                {
                    return;
                }
                var batch = Enumerable.Range(first, Math.Min(BatchSize, count - first)).Select(i => Notification(runid, i)).ToList();
                await WriteAsync(writer, batch);
            }
        }));
        await Task.WhenAll(callers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        Console.WriteLine($"enqueued {count} in {elapsed.TotalSeconds:0.00} s");
        return 0;
    }

    /// <summary>
    /// Writes at a steady <paramref name="rate"/> for <paramref name="duration"/>: every 10 ms
    /// the notifications due by then, in one call (open loop: a slow commit is not waited
    /// for before the next tick's are due, up to 8 calls in flight).
    /// </summary>
    public static async Task<int> FeedAsync(string connectionString, double rate, TimeSpan duration)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var writer = NewWriter(dataSource);
        var runid = Guid.NewGuid().ToString("N")[..8];
        var started = Stopwatch.GetTimestamp();
        var written = 0;
        var inFlight = new List<Task>();
        using var slots = new SemaphoreSlim(8);
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            var due = (int)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate);
            if (due > written)
            {
                var batch = Enumerable.Range(written, due - written).Select(i => Notification("feed-" + runid, i)).ToList();
                written = due;
                await slots.WaitAsync();
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await WriteAsync(writer, batch);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }));
            }
            await Task.Delay(10);
        }
        await Task.WhenAll(inFlight);
        Console.WriteLine($"fed {written} in {duration.TotalSeconds:0} s");
        return 0;
    }

    private static OutboxWriter NewWriter(NpgsqlDataSource dataSource) =>
        new(dataSource, Options.Create(new OutboxWriterOptions()), NullLogger<OutboxWriter>.Instance);

    private static async Task WriteAsync(OutboxWriter writer, IReadOnlyList<NewNotification> batch)
    {
        var outcomes = await writer.WriteAsync(batch, CancellationToken.None);
        if (outcomes.FirstOrDefault(o => o is not Accepted { Replayed: false }) is { } refused)
        {
            throw new InvalidOperationException($"The outbox did not accept a notification: {refused}");
        }
    }

    private static NewNotification Notification(string runid, int i)
    {
        var id = UuidV7.NewNotificationId();
        var delivery = new NewDelivery(UuidV7.DeliveryId(id, 0), ChannelNames.Email, $"user{i}@example.com", null, null, MaxAttempts: 5);
        return new NewNotification(id, TenantId, $"{runid}-{i}", RequestHash: [0x42], null, null, null, Content,
            Priority: 1, null, null, null, null, null, null, [delivery]);
    }
}
