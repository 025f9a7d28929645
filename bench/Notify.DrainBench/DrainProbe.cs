using System.Globalization;

namespace Notify.DrainBench;

/// <summary>
/// Tells the benchmark's orchestrator (bench/drain/peers/drain.mjs) on stdout when the first
/// delivery reached the provider and how many have so far — the same two lines every peer's
/// worker prints, so all five systems are timed by the same code. The orchestrator uses the
/// count only to know when to start watching the database for the last completion.
/// </summary>
public sealed class DrainProbe : IDisposable
{
    private long _handled;
    private long _reported;
    private int _first;
    private readonly Timer _timer;
    private readonly Lock _reporting = new();

    public DrainProbe()
    {
        _timer = new Timer(_ => Report(), null, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));
    }

    public void Handled()
    {
        if (Interlocked.Exchange(ref _first, 1) == 0)
        {
            var now = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
            Console.Out.WriteLine("first " + now.ToString("F3", CultureInfo.InvariantCulture));
        }
        if (Interlocked.Increment(ref _handled) % 100 == 0)
        {
            Report();
        }
    }

    // Under a lock: two threads reporting at once could otherwise print their counts in the
    // wrong order, and an orchestrator that keeps the last line would wait for ever for the
    // count it had already been told.
    private void Report()
    {
        lock (_reporting)
        {
            var handled = Interlocked.Read(ref _handled);
            if (handled > _reported)
            {
                _reported = handled;
                Console.Out.WriteLine("handled " + handled.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
