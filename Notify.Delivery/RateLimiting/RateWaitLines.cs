namespace Notify.Delivery.RateLimiting;

/// <summary>
/// One line per rate key in this process: the deliveries that found the key's rate spent wait
/// in it, and only the one at its head asks the shared limiter again.
/// </summary>
/// <remarks>
/// Without a line, every delivery waiting on a key polls Redis each time the limiter says the
/// next slot is free, and all but one are refused: a worker holding 32 e-mails behind a limit of
/// 10/s asked Redis 400 times a second to send 10. In line, they ask about as often as they
/// send. A line exists only while someone waits in it, so a key seen once (a webhook endpoint)
/// leaves nothing behind.
/// </remarks>
public sealed class RateWaitLines
{
    private readonly Dictionary<string, Line> _lines = new(StringComparer.Ordinal);

    /// <summary>
    /// Waits, up to <paramref name="patience"/>, to be at the head of <paramref name="key"/>'s
    /// line. Null when the patience ran out first; otherwise dispose the turn to let the next in.
    /// </summary>
    public async Task<Turn?> EnterAsync(string key, TimeSpan patience, CancellationToken cancellationToken)
    {
        Line line;
        lock (_lines)
        {
            if (!_lines.TryGetValue(key, out line!))
            {
                line = new Line();
                _lines[key] = line;
            }
            line.Users++;
        }
        var entered = false;
        try
        {
            entered = patience > TimeSpan.Zero && await line.Head.WaitAsync(patience, cancellationToken);
        }
        finally
        {
            if (!entered)
            {
                Leave(key, line);
            }
        }
        return entered ? new Turn(this, key, line) : null;
    }

    private void Leave(string key, Line line)
    {
        lock (_lines)
        {
            if (--line.Users == 0)
            {
                _lines.Remove(key);
            }
        }
    }

    /// <summary>How many keys have someone waiting (for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    internal sealed class Line
    {
        public SemaphoreSlim Head { get; } = new(1, 1);

        // Guarded by the dictionary's lock.
        public int Users;
    }

    public sealed class Turn : IDisposable
    {
        private readonly RateWaitLines _lines;
        private readonly string _key;
        private readonly Line _line;
        private int _disposed;

        internal Turn(RateWaitLines lines, string key, Line line)
        {
            _lines = lines;
            _key = key;
            _line = line;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _line.Head.Release();
                _lines.Leave(_key, _line);
            }
        }
    }
}
