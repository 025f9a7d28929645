namespace Notify.Hosting.Processes;

/// <summary>
/// Keeps the most recent lines of one process for diagnostics and forwards each line to a
/// sink. Bounded so a chatty process in a long test run cannot grow memory without limit.
/// </summary>
public sealed class LogBuffer(string source, int replica, Action<LogLine>? sink, int capacity = 5000)
{
    private readonly Queue<LogLine> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string text, bool isError)
    {
        var line = new LogLine(source, replica, text, isError, DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _lines.Enqueue(line);
            if (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
        sink?.Invoke(line);
    }

    public IReadOnlyList<LogLine> Snapshot()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    public string Tail(int count = 30) =>
        string.Join(Environment.NewLine, Snapshot().TakeLast(count).Select(l => l.Text));
}
