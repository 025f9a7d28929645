using Notify.Grpc.V1;

namespace Notify.Bench.Scenarios;

/// <summary>
/// Builds the benchmark's notifications: one e-mail each, with inline content of about 100
/// bytes and, for notification n of run r, idempotency key <c>bench-r-n</c> and recipient
/// <c>user&lt;n&gt;@example.com</c>. Keys never repeat within a run and run ids differ, so a run
/// measures fresh writes, never idempotent replays.
/// </summary>
internal sealed class NotificationFactory(string runId)
{
    // Shared by every request: serialization only reads it, and one instance keeps the
    // generator's allocations (and so its CPU share on a shared machine) small.
    private readonly Content _content = new()
    {
        Email = new EmailContent
        {
            Subject = "Notify benchmark",
            TextBody = "This is a load-test notification from Notify.Bench. It is safe to ignore.",
        },
    };

    private long _sequence;

    public string RunId => runId;

    public SendRequest Create()
    {
        var request = new SendRequest
        {
            Recipient = new Recipient(),
            Content = _content,
            Channels = { Channel.Email },
        };
        Restamp(request);
        return request;
    }

    /// <summary>Gives a request the next key and recipient, so a caller can resend the same object.</summary>
    public void Restamp(SendRequest request)
    {
        var n = Interlocked.Increment(ref _sequence);
        request.IdempotencyKey = $"bench-{runId}-{n}";
        request.Recipient.Email = $"user{n}@example.com";
    }

    /// <summary>A short id unlikely to repeat across runs: seconds since 2025 in base 36 plus randomness.</summary>
    public static string NewRunId()
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var value = (ulong)(DateTimeOffset.UtcNow - new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)).TotalSeconds;
        value = value * 1296 + (ulong)Random.Shared.Next(1296);
        Span<char> text = stackalloc char[16];
        var length = 0;
        do
        {
            text[length++] = digits[(int)(value % 36)];
            value /= 36;
        }
        while (value > 0);
        text[..length].Reverse();
        return new string(text[..length]);
    }
}
