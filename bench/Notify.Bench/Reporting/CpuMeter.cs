using System.Diagnostics;

namespace Notify.Bench.Reporting;

/// <summary>This process's CPU time over an interval, as a number of busy cores.</summary>
internal readonly struct CpuMeter
{
    private readonly TimeSpan _cpuAtStart;
    private readonly long _wallAtStart;

    private CpuMeter(TimeSpan cpu, long wall)
    {
        _cpuAtStart = cpu;
        _wallAtStart = wall;
    }

    public static CpuMeter Start() => new(Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp());

    public double Cores()
    {
        var wall = Stopwatch.GetElapsedTime(_wallAtStart);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart;
        return wall > TimeSpan.Zero ? Math.Round(cpu / wall, 2) : 0;
    }
}
